"""Answers to the standard form, as a learner posts them."""

from typing import Any

from celedger.evaluations.models import EvaluationForm, Question


def standard_answers(form: EvaluationForm, **overrides: Any) -> dict[str, Any]:
    """A complete, valid POST for `form`; `overrides` replace values by question order
    (`q1="5"`), and a value of None leaves the question out."""
    data: dict[str, Any] = {}
    for q in form.questions.all():
        value: Any
        if q.kind in (Question.Kind.AGREEMENT, Question.Kind.RATING):
            value = "4"
        elif q.kind == Question.Kind.YES_NO:
            value = "yes"
        elif q.kind == Question.Kind.SINGLE:
            value = q.choices[0]
        elif q.kind == Question.Kind.MULTIPLE:
            value = q.choices[:2]
        else:
            value = f"Answer to {q.order}"
        value = overrides.get(f"q{q.order}", value)
        if value is not None:
            data[f"q{q.pk}"] = value
    return data
