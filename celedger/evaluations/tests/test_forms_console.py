from typing import Any

import pytest
from django.urls import reverse

from celedger.evaluations import services
from celedger.evaluations.models import EvaluationForm, Question, Response
from celedger.evaluations.tests.factories import EvaluationFormFactory, QuestionFactory

pytestmark = pytest.mark.django_db
Kind = Question.Kind


@pytest.fixture
def own_form(publisher: Any) -> EvaluationForm:
    form = EvaluationFormFactory(publisher=publisher, name="Grand Rounds evaluation")
    for order, kind in enumerate([Kind.AGREEMENT, Kind.RATING, Kind.LONG_TEXT], start=1):
        QuestionFactory(form=form, order=order, kind=kind, text=f"Question {order}")
    return form


def _detail(form: EvaluationForm) -> str:
    return reverse("evaluations:form_detail", args=["stjude", form.pk])


def test_it_lists_own_and_standard_forms_in_constant_queries(
    client: Any, viewer: Any, own_form: Any, django_assert_max_num_queries: Any
) -> None:
    EvaluationFormFactory(publisher=own_form.publisher, name="Another")
    EvaluationFormFactory(name="Someone else's form")
    client.force_login(viewer)

    # session, user, membership + publisher, forms with counts, memberships for the nav
    with django_assert_max_num_queries(6):
        r = client.get(reverse("evaluations:form_list", args=["stjude"]))

    body = r.content.decode()
    assert "Grand Rounds evaluation" in body and "Another" in body
    assert "Standard CME/CE evaluation" in body
    assert "Someone else" not in body
    assert "New form" not in body  # viewers read only


def test_it_creates_a_form_with_its_own_lineage(client: Any, coordinator: Any) -> None:
    client.force_login(coordinator)

    r = client.post(reverse("evaluations:form_create", args=["stjude"]), {"name": "Journal club"})

    form = EvaluationForm.objects.get(name="Journal club")
    assert r.url == _detail(form)
    assert form.version == 1 and form.lineage == form


def test_it_adds_a_choice_question_with_one_choice_per_line(
    client: Any, coordinator: Any, own_form: Any
) -> None:
    client.force_login(coordinator)
    data = {
        "new-text": "Which format helped most?",
        "new-kind": Kind.SINGLE,
        "new-choices": "Lecture\n\n Cases \nPanel",
        "new-required": "on",
    }

    client.post(reverse("evaluations:question_add", args=["stjude", own_form.pk]), data)

    question = own_form.questions.get(text="Which format helped most?")
    assert question.order == 4
    assert question.choices == ["Lecture", "Cases", "Panel"]
    assert question.required


def test_it_needs_two_choices_and_keeps_what_was_typed(
    client: Any, coordinator: Any, own_form: Any
) -> None:
    client.force_login(coordinator)
    data = {"new-text": "Pick all that apply", "new-kind": Kind.MULTIPLE, "new-choices": "Only"}

    r = client.post(reverse("evaluations:question_add", args=["stjude", own_form.pk]), data)

    assert r.status_code == 400
    body = r.content.decode()
    assert "Give at least two choices" in body
    assert 'value="Pick all that apply"' in body


def test_it_edits_reorders_and_removes_questions(
    client: Any, coordinator: Any, own_form: Any
) -> None:
    client.force_login(coordinator)
    first, second, third = own_form.questions.all()
    edit = reverse("evaluations:question_edit", args=["stjude", own_form.pk, second.pk])

    client.post(edit, {"text": "Rate the speaker", "kind": Kind.RATING, "help_text": "1-5"})
    client.post(
        reverse("evaluations:question_move", args=["stjude", own_form.pk, third.pk]),
        {"direction": "up"},
    )
    client.post(reverse("evaluations:question_delete", args=["stjude", own_form.pk, first.pk]))

    texts = [(q.text, q.required) for q in own_form.questions.all()]
    assert texts == [("Question 3", True), ("Rate the speaker", False)]


def test_viewers_cannot_edit_forms(client: Any, viewer: Any, own_form: Any) -> None:
    client.force_login(viewer)
    question = own_form.questions.first()

    responses = [
        client.post(reverse("evaluations:form_create", args=["stjude"]), {"name": "X"}),
        client.post(_detail(own_form), {"rename-name": "Renamed"}),
        client.post(
            reverse("evaluations:question_delete", args=["stjude", own_form.pk, question.pk])
        ),
        client.post(reverse("evaluations:form_copy", args=["stjude", own_form.pk])),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert own_form.questions.count() == 3
    assert client.get(_detail(own_form)).status_code == 200


def test_other_publishers_cannot_see_or_edit_the_form(
    client: Any, outsider: Any, own_form: Any
) -> None:
    client.force_login(outsider)
    question = own_form.questions.first()

    assert client.get(_detail(own_form)).status_code == 404
    via_own_code = reverse("evaluations:form_detail", args=["other", own_form.pk])
    assert client.get(via_own_code).status_code == 404
    edit = reverse("evaluations:question_edit", args=["other", own_form.pk, question.pk])
    assert client.post(edit, {"text": "Hacked", "kind": Kind.RATING}).status_code == 404
    assert own_form.questions.filter(text="Hacked").count() == 0


def _answer(form: EvaluationForm, learner: Any, session: Any) -> Response:
    return Response.objects.create(
        form=form, learner=learner, activity=session.activity, session=session
    )


def test_a_form_with_responses_is_not_edited_in_place(
    client: Any, coordinator: Any, own_form: Any, learner: Any, session: Any
) -> None:
    _answer(own_form, learner, session)
    client.force_login(coordinator)
    question = own_form.questions.first()

    r = client.post(
        reverse("evaluations:question_edit", args=["stjude", own_form.pk, question.pk]),
        {"text": "Changed", "kind": Kind.RATING},
    )
    page = client.get(_detail(own_form)).content.decode()

    assert r.status_code == 302
    assert not own_form.questions.filter(text="Changed").exists()
    assert "Copy and edit" in page
    with pytest.raises(services.FormLocked):
        services.question_add(form=own_form, kind=Kind.RATING, text="More")


def test_copy_and_edit_makes_the_next_version_of_the_lineage(
    client: Any, coordinator: Any, own_form: Any, learner: Any, session: Any
) -> None:
    _answer(own_form, learner, session)
    client.force_login(coordinator)

    client.post(reverse("evaluations:form_copy", args=["stjude", own_form.pk]))
    v2 = EvaluationForm.objects.get(lineage=own_form, version=2)
    client.post(reverse("evaluations:form_copy", args=["stjude", own_form.pk]))

    assert EvaluationForm.objects.filter(lineage=own_form).count() == 3
    assert EvaluationForm.objects.filter(lineage=own_form, version=3).exists()
    assert [q.text for q in v2.questions.all()] == ["Question 1", "Question 2", "Question 3"]
    services.question_add(form=v2, kind=Kind.YES_NO, text="Would you recommend it?")
    assert own_form.questions.count() == 3
    assert Response.objects.get().form == own_form


def test_the_standard_form_ships_with_the_items_accreditors_expect(standard: Any) -> None:
    kinds = [q.kind for q in standard.questions.all()]
    assert standard.publisher is None and standard.lineage == standard
    assert kinds == [
        Kind.AGREEMENT,
        Kind.AGREEMENT,
        Kind.AGREEMENT,
        Kind.YES_NO,
        Kind.LONG_TEXT,
        Kind.MULTIPLE,
        Kind.RATING,
        Kind.LONG_TEXT,
    ]
    assert "commercial bias" in standard.questions.get(order=2).text


def test_copying_the_standard_form_starts_a_lineage_of_the_publisher(
    client: Any, coordinator: Any, publisher: Any, standard: Any
) -> None:
    client.force_login(coordinator)

    page = client.get(_detail(standard)).content.decode()
    client.post(reverse("evaluations:form_copy", args=["stjude", standard.pk]))

    copy = EvaluationForm.objects.get(publisher=publisher)
    assert "Copy into my forms" in page
    assert copy.version == 1 and copy.lineage == copy and not copy.is_standard
    assert copy.questions.count() == standard.questions.count()
    with pytest.raises(services.FormLocked):
        services.question_add(form=standard, kind=Kind.RATING, text="Changed for everyone")


def test_the_form_page_does_not_grow_with_questions(
    client: Any, coordinator: Any, own_form: Any, django_assert_max_num_queries: Any
) -> None:
    for order in range(4, 30):
        QuestionFactory(form=own_form, order=order)
    client.force_login(coordinator)

    # session, user, membership + publisher, form with response count, questions,
    # memberships for the nav
    with django_assert_max_num_queries(7):
        r = client.get(_detail(own_form))

    assert r.content.decode().count('class="panel"') >= 29
