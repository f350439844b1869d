"""`choice_items` writes a question's options as the template loop it replaced did."""

from typing import Any

import pytest
from django.template import engines

from celedger.evaluations.forms import ResponseForm, field_name
from celedger.evaluations.models import Question
from celedger.evaluations.tests.factories import EvaluationFormFactory, QuestionFactory

Kind = Question.Kind
LOOP = (
    "{% for option in field %}<li>{{ option.tag }} <label "
    'for="{{ option.id_for_label }}">{{ option.choice_label }}</label></li>{% endfor %}'
)
FILTER = "{% load choice_items %}{{ field|choice_items }}"


@pytest.mark.django_db
@pytest.mark.parametrize("answered", [False, True])
def test_it_writes_the_options_as_the_loop_did(answered: bool) -> None:
    form = EvaluationFormFactory()
    questions = [
        QuestionFactory(form=form, kind=Kind.AGREEMENT),
        QuestionFactory(form=form, kind=Kind.RATING, required=False),
        QuestionFactory(form=form, kind=Kind.YES_NO),
        QuestionFactory(form=form, kind=Kind.SINGLE, choices=["Lecture & <lab>", "Online"]),
        QuestionFactory(form=form, kind=Kind.MULTIPLE, choices=["A", "B 'quoted'", "C"]),
    ]
    data: dict[str, Any] | None = None
    if answered:
        names = [field_name(q) for q in questions]
        data = {names[0]: "4", names[3]: "Online", names[4]: ["A", "C"]}  # yes/no missing
    response_form = ResponseForm(data, questions=questions)
    if answered:
        assert not response_form.is_valid()
    engine = engines["django"]
    for field in response_form:
        ours = engine.from_string(FILTER).render({"field": field})
        loop = engine.from_string(LOOP).render({"field": field})
        assert ours == loop
        assert ours.count("<li>") == len(field.field.choices)
