from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from celedger.activities.tests.factories import CreditDesignationFactory, SessionFactory
from celedger.credits.models import Claim
from celedger.evaluations import selectors, services
from celedger.evaluations.models import ActivityEvaluation, Answer, Question, Response
from celedger.evaluations.tests.factories import EvaluationFormFactory, QuestionFactory
from celedger.evaluations.tests.helpers import standard_answers
from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db
Kind = Question.Kind

# kind -> (valid posted value, stored field and value, malformed value)
KIND_CASES: dict[str, tuple[Any, tuple[str, Any], Any]] = {
    Kind.AGREEMENT: ("5", ("number", 5), "6"),
    Kind.RATING: ("2", ("number", 2), "zero"),
    Kind.YES_NO: ("no", ("number", 0), "maybe"),
    Kind.SINGLE: ("Lecture", ("text", "Lecture"), "Podcast"),
    Kind.MULTIPLE: (["Lecture", "Cases"], ("selected", ["Lecture", "Cases"]), ["Lecture", "X"]),
    Kind.SHORT_TEXT: ("Order lactate sooner", ("text", "Order lactate sooner"), "x" * 501),
    Kind.LONG_TEXT: ("Line one\nLine two", ("text", "Line one\nLine two"), "y" * 5001),
}


def _url(session: Any) -> str:
    return reverse("evaluations:evaluate", args=[session.event_id])


def _form_with(publisher: Any, kind: str, *, required: bool = True) -> Any:
    form = EvaluationFormFactory(publisher=publisher)
    choices = ["Lecture", "Cases", "Panel"] if kind in (Kind.SINGLE, Kind.MULTIPLE) else []
    question = QuestionFactory(form=form, order=1, kind=kind, required=required, choices=choices)
    return form, question


@pytest.mark.parametrize("kind", list(KIND_CASES))
def test_it_saves_a_valid_answer_of_every_kind(
    client: Any, learner: Any, activity: Any, session: Any, kind: str
) -> None:
    form, question = _form_with(activity.publisher, kind)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    valid, (field, stored), _ = KIND_CASES[kind]
    client.force_login(learner)

    r = client.post(_url(session), {f"q{question.pk}": valid})

    assert r.status_code == 302
    assert r.url == reverse("credits:claim", args=[session.event_id])
    answer = Answer.objects.get(question=question, response__learner=learner)
    assert getattr(answer, field) == stored


@pytest.mark.parametrize("kind", list(KIND_CASES))
def test_it_asks_again_for_a_missing_required_answer(
    client: Any, learner: Any, activity: Any, session: Any, kind: str
) -> None:
    form, _question = _form_with(activity.publisher, kind)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    client.force_login(learner)

    r = client.post(_url(session), {})

    assert r.status_code == 400
    assert "Please answer this question." in r.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("kind", list(KIND_CASES))
def test_it_accepts_a_missing_optional_answer(
    client: Any, learner: Any, activity: Any, session: Any, kind: str
) -> None:
    form, _question = _form_with(activity.publisher, kind, required=False)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    client.force_login(learner)

    r = client.post(_url(session), {})

    assert r.status_code == 302
    assert Response.objects.filter(learner=learner).count() == 1
    assert not Answer.objects.exists()


@pytest.mark.parametrize("kind", list(KIND_CASES))
def test_it_rejects_a_malformed_answer(
    client: Any, learner: Any, activity: Any, session: Any, kind: str
) -> None:
    form, question = _form_with(activity.publisher, kind)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    client.force_login(learner)

    r = client.post(_url(session), {f"q{question.pk}": KIND_CASES[kind][2]})

    assert r.status_code == 400
    assert 'class="errorlist"' in r.content.decode()
    assert not Response.objects.exists()


def test_it_keeps_what_was_typed_when_an_answer_is_missing(
    client: Any, learner: Any, session: Any, setup: Any, standard: Any
) -> None:
    client.force_login(learner)
    data = standard_answers(standard, q1=None, q5="I will screen for sepsis at triage")

    r = client.post(_url(session), data)

    body = r.content.decode()
    assert r.status_code == 400
    assert "I will screen for sepsis at triage" in body
    q2 = standard.questions.get(order=2)
    assert f'name="q{q2.pk}" value="4"' in body and "checked" in body
    assert "Please check the 1 question" in body


def test_it_renders_scales_as_fieldsets_with_legends(
    client: Any, learner: Any, session: Any, setup: Any
) -> None:
    client.force_login(learner)

    body = client.get(_url(session)).content.decode()

    assert body.count("<fieldset") == 6  # 3 agreement, yes/no, barriers, rating
    assert "<legend>1. The activity met its stated learning objectives." in body
    assert "Strongly agree" in body


def test_it_normalises_the_event_id(client: Any, learner: Any, session: Any, setup: Any) -> None:
    client.force_login(learner)

    r = client.get("/e/k7q-m2p/evaluate/")

    assert r.status_code == 302
    assert r.url == _url(session)


def test_it_sends_anonymous_visitors_to_sign_in(client: Any, session: Any, setup: Any) -> None:
    r = client.get(_url(session))

    assert r.status_code == 302
    assert "next=" in r.url


def test_it_goes_straight_to_the_claim_without_an_evaluation(
    client: Any, learner: Any, activity: Any, session: Any
) -> None:
    ActivityEvaluation.objects.create(activity=activity, mode=ActivityEvaluation.Mode.NONE)
    client.force_login(learner)

    r = client.get(_url(session))

    assert r.url == reverse("credits:claim", args=[session.event_id])


def test_it_hides_draft_activities(client: Any, learner: Any, activity: Any, session: Any) -> None:
    activity.status = activity.Status.DRAFT
    activity.save()
    client.force_login(learner)

    assert client.get(_url(session)).status_code == 404


# --- One response per learner and session ---------------------------------------------


def test_it_keeps_one_response_when_submitted_twice(
    client: Any, learner: Any, session: Any, setup: Any, standard: Any
) -> None:
    client.force_login(learner)
    client.post(_url(session), standard_answers(standard))

    client.post(_url(session), standard_answers(standard, q7="1"))

    response = Response.objects.get(learner=learner)
    rating = standard.questions.get(order=7)
    assert response.answers.get(question=rating).number == 1
    assert Answer.objects.filter(response=response).count() == len(standard_answers(standard))


def test_it_shows_the_saved_answers_for_changing(
    client: Any, learner: Any, session: Any, setup: Any, standard: Any
) -> None:
    client.force_login(learner)
    client.post(_url(session), standard_answers(standard, q5="Use qSOFA"))

    body = client.get(_url(session)).content.decode()

    assert "You already answered" in body
    assert "Use qSOFA" in body


def test_the_database_refuses_a_second_response_for_a_session(
    learner: Any, session: Any, standard: Any
) -> None:
    Response.objects.create(
        learner=learner, activity=session.activity, session=session, form=standard
    )
    with pytest.raises(IntegrityError):
        Response.objects.create(
            learner=learner, activity=session.activity, session=session, form=standard
        )


def test_it_evaluates_each_session_of_a_series(
    client: Any, learner: Any, activity: Any, session: Any, setup: Any, standard: Any
) -> None:
    second = SessionFactory(activity=activity)
    client.force_login(learner)

    client.post(_url(session), standard_answers(standard))
    client.post(_url(second), standard_answers(standard))

    assert Response.objects.filter(learner=learner).count() == 2
    assert selectors.evaluation_is_complete(learner=learner, session=second)


def test_it_evaluates_the_activity_once_when_not_per_session(
    client: Any, learner: Any, activity: Any, session: Any, setup: Any, standard: Any
) -> None:
    setup.per_session = False
    setup.save()
    second = SessionFactory(activity=activity)
    client.force_login(learner)

    client.post(_url(session), standard_answers(standard))
    r = client.post(_url(second), standard_answers(standard, q7="5"))

    assert r.status_code == 302
    response = Response.objects.get(learner=learner)
    assert response.session is None
    assert selectors.evaluation_is_complete(learner=learner, session=second)


def test_it_locks_the_response_once_credit_is_claimed(
    client: Any, learner: Any, activity: Any, session: Any, setup: Any, standard: Any
) -> None:
    client.force_login(learner)
    client.post(_url(session), standard_answers(standard, q7="3"))
    Claim.objects.create(
        learner=learner,
        session=session,
        designation=CreditDesignationFactory(activity=activity),
        hours=Decimal("1.00"),
        max_hours=Decimal("1.00"),
        participated_on=session.starts_at.date(),
        attested_at=timezone.now(),
    )

    page = client.get(_url(session)).content.decode()
    r = client.post(_url(session), standard_answers(standard, q7="1"))

    assert "can no longer be changed" in page
    assert r.status_code == 302
    rating = standard.questions.get(order=7)
    assert Answer.objects.get(question=rating).number == 3


def test_it_keeps_answering_the_version_first_answered(
    client: Any, learner: Any, publisher: Any, session: Any, setup: Any, standard: Any
) -> None:
    client.force_login(learner)
    client.post(_url(session), standard_answers(standard))
    mine = services.form_copy(form=standard, publisher=publisher)
    services.activity_evaluation_set(activity=session.activity, mode="builtin", form=mine)

    r = client.post(_url(session), standard_answers(standard, q7="2"))

    assert r.status_code == 302
    assert Response.objects.get(learner=learner).form == standard


def test_a_learner_sees_only_their_own_answers(
    client: Any, learner: Any, session: Any, setup: Any, standard: Any
) -> None:
    other = LearnerProfileFactory().user
    client.force_login(other)
    client.post(_url(session), standard_answers(standard, q5="Private plan of another learner"))
    client.force_login(learner)

    body = client.get(_url(session)).content.decode()

    assert "Private plan of another learner" not in body
    assert "You already answered" not in body


# --- Outside form -------------------------------------------------------------------------


@pytest.fixture
def outside(activity: Any) -> ActivityEvaluation:
    return ActivityEvaluation.objects.create(
        activity=activity,
        mode=ActivityEvaluation.Mode.OUTSIDE,
        outside_url="https://forms.example.org/eval",
    )


def test_it_links_the_outside_form(client: Any, learner: Any, session: Any, outside: Any) -> None:
    client.force_login(learner)

    body = client.get(_url(session)).content.decode()

    assert 'href="https://forms.example.org/eval"' in body
    assert "I completed the evaluation form" in body


def test_it_records_the_attestation_without_answers(
    client: Any, learner: Any, session: Any, outside: Any
) -> None:
    client.force_login(learner)

    r = client.post(_url(session), {"completed": "on"})

    assert r.url == reverse("credits:claim", args=[session.event_id])
    response = Response.objects.get(learner=learner)
    assert response.outside_attested and response.form is None
    assert not response.answers.exists()
    assert selectors.evaluation_is_complete(learner=learner, session=session)


def test_it_requires_the_attestation_box(
    client: Any, learner: Any, session: Any, outside: Any
) -> None:
    client.force_login(learner)

    r = client.post(_url(session), {})

    assert r.status_code == 200
    assert "Tick the box" in r.content.decode()
    assert not selectors.evaluation_is_complete(learner=learner, session=session)


def test_the_service_upserts_under_a_racing_insert(learner: Any, session: Any) -> None:
    first = services.response_attest_outside(
        learner=learner, activity=session.activity, session=session
    )
    again = services.response_attest_outside(
        learner=learner, activity=session.activity, session=session
    )
    assert first.pk == again.pk


def test_a_built_in_setup_without_a_form_explains_instead_of_looping(
    client: Any, learner: Any, activity: Any, session: Any
) -> None:
    # Only the admin site can save this; claim and evaluation must not redirect in circles.
    ActivityEvaluation.objects.create(activity=activity, mode="builtin", form=None)
    client.force_login(learner)

    r = client.get(_url(session))

    assert r.status_code == 503
    assert "not ready yet" in r.content.decode()


def test_the_evaluation_page_does_not_grow_with_questions(
    client: Any,
    learner: Any,
    activity: Any,
    session: Any,
    django_assert_max_num_queries: Any,
) -> None:
    form = EvaluationFormFactory(publisher=activity.publisher)
    for order in range(1, 31):
        QuestionFactory(form=form, order=order, kind=Kind.AGREEMENT)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    client.force_login(learner)
    client.post(_url(session), {f"q{q.pk}": "4" for q in form.questions.all()})

    # session, user, profile (profile_required), session + activity, setup + form, own
    # response, claim check, answers with questions, questions; base.html: memberships
    with django_assert_max_num_queries(12):
        r = client.get(_url(session))

    assert r.content.decode().count("<fieldset") == 30


def test_a_first_evaluation_is_written_in_two_inserts(
    client: Any, learner: Any, activity: Any, session: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    form = EvaluationFormFactory(publisher=activity.publisher)
    for order in range(1, 9):
        QuestionFactory(form=form, order=order, kind=Kind.AGREEMENT)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    client.force_login(learner)
    data = {f"q{q.pk}": "4" for q in form.questions.all()}

    with CaptureQueriesContext(connection) as captured:
        r = client.post(_url(session), data)

    assert r.status_code == 302
    sql = [q["sql"] for q in captured.captured_queries]
    # session, the user with their profile, session + activity, setup + form, own response,
    # questions;
    # then the response (in a savepoint: one already there is updated instead) and its
    # answers in one INSERT, inside the transaction's savepoint in a test. The questions
    # are not read again, there is nothing to delete, no SELECT ... FOR UPDATE. On this
    # first request of the instance also the profession and specialty (cached after).
    assert len(sql) == 14, sql
    assert all(s.startswith("SELECT") for s in sql[:8])
    writes = [s.split('"')[1] for s in sql[8:] if s.startswith("INSERT")]
    assert writes == ["evaluations_response", "evaluations_answer"]
    assert not any(s.startswith(("SELECT", "DELETE")) for s in sql[8:])
    assert Answer.objects.filter(response__learner=learner).count() == 8


def test_a_changed_evaluation_replaces_its_answers(
    client: Any, learner: Any, activity: Any, session: Any
) -> None:
    form = EvaluationFormFactory(publisher=activity.publisher)
    question = QuestionFactory(form=form, order=1, kind=Kind.AGREEMENT)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    client.force_login(learner)
    client.post(_url(session), {f"q{question.pk}": "4"})
    assert client.post(_url(session), {f"q{question.pk}": "2"}).status_code == 302
    [response] = Response.objects.filter(learner=learner)
    assert [a.number for a in response.answers.all()] == [2]
