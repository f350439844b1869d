"""The evaluation page's reads: its setup and form questions cached (dropped when they
change), the learner's response written out, so a warm page compiles none of its own."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from celedger.evaluations import services
from celedger.evaluations.models import ActivityEvaluation, EvaluationForm, Question, Response
from celedger.evaluations.tests.factories import EvaluationFormFactory, QuestionFactory
from celedger.evaluations.tests.helpers import standard_answers
from celedger.testing.orm import compiled_selects

pytestmark = pytest.mark.django_db


def _url(session: Any) -> str:
    return reverse("evaluations:evaluate", args=[session.event_id])


def _compiled(client: Any, method: str, url: str, data: Any = None) -> tuple[Any, list[str]]:
    """The tables of the SELECTs the ORM compiled while serving the request."""
    with compiled_selects() as tables:
        response = getattr(client, method)(url, data or {})
    return response, tables


@pytest.fixture
def signed_in(client: Any, learner: Any, session: Any, setup: ActivityEvaluation) -> Any:
    client.force_login(learner)
    assert client.get(_url(session)).status_code == 200  # the cache warmed
    return client


def test_a_warm_evaluation_page_compiles_none_of_its_own_reads(
    signed_in: Any, session: Any
) -> None:
    response, tables = _compiled(signed_in, "get", _url(session))
    assert response.status_code == 200
    # Only Django's database session read (Redis in production): the setup and its form's
    # questions come from the cache, the user, profile and response are written out.
    assert tables == ["django_session"]


def test_a_warm_evaluation_page_runs_three_statements(signed_in: Any, session: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.get(_url(session)).status_code == 200
    sql = [q["sql"] for q in queries]
    # The database session, the user with their profile, the learner's response (none yet).
    assert len(sql) == 3, sql
    assert 'FROM "evaluations_response"' in sql[-1]


def test_the_evaluation_post_compiles_no_select_and_no_insert(
    signed_in: Any, session: Any, standard: EvaluationForm
) -> None:
    answers = standard_answers(standard)
    with CaptureQueriesContext(connection) as queries, compiled_selects(inserts=True) as tables:
        response = signed_in.post(_url(session), answers)
    assert response.status_code == 302
    # The response and its answers are written out (core.rows.insert_instances).
    assert tables == ["django_session"]
    sql = [q["sql"] for q in queries]
    # The database session, the user with their profile, the learner's response (none
    # yet); then only the writes: the response and its answers (in the test's savepoints).
    assert [s for s in sql if s.startswith("SELECT")] == sql[:3], sql
    writes = [s.split('"')[1] for s in sql[3:] if s.startswith("INSERT")]
    assert writes == ["evaluations_response", "evaluations_answer"]
    assert not any(s.startswith(("SELECT", "DELETE", "UPDATE")) for s in sql[3:])
    assert Response.objects.get().answers.count() == standard.questions.count()


def test_a_revisit_shows_the_answers_given(
    signed_in: Any, session: Any, standard: EvaluationForm
) -> None:
    signed_in.post(_url(session), standard_answers(standard))
    form = signed_in.get(_url(session)).context["form"]
    first = standard.questions.order_by("order").first()
    assert first is not None
    assert form.initial[f"q{first.pk}"] == standard_answers(standard)[f"q{first.pk}"]


def _own_form(activity: Any) -> tuple[EvaluationForm, Question, Question]:
    form = EvaluationFormFactory(publisher=activity.publisher)
    first = QuestionFactory(form=form, order=1, text="Was it useful?")
    second = QuestionFactory(form=form, order=2, text="Would you come again?")
    return form, first, second


def test_a_question_changed_shows_on_the_next_visit(
    client: Any, learner: Any, activity: Any, session: Any
) -> None:
    form, first, second = _own_form(activity)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    client.force_login(learner)
    assert "Was it useful?" in client.get(_url(session)).content.decode()

    services.question_update(
        question=first,
        kind=first.kind,
        text="Did it change your practice?",
        help_text="",
        required=True,
        choices=[],
    )
    page = client.get(_url(session)).content.decode()
    assert "Did it change your practice?" in page and "Was it useful?" not in page

    QuestionFactory(form=form, order=3, text="Anything else?")
    assert "Anything else?" in client.get(_url(session)).content.decode()

    services.question_delete(question=second)
    assert "Would you come again?" not in client.get(_url(session)).content.decode()


def test_a_question_moved_shows_in_its_new_place(
    client: Any, learner: Any, activity: Any, session: Any
) -> None:
    form, _, second = _own_form(activity)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    client.force_login(learner)
    page = client.get(_url(session)).content.decode()
    assert page.index("Was it useful?") < page.index("Would you come again?")

    services.question_move(question=second, up=True)  # an UPDATE: no signal

    page = client.get(_url(session)).content.decode()
    assert page.index("Would you come again?") < page.index("Was it useful?")


def test_a_changed_setup_is_followed_at_once(
    client: Any, learner: Any, activity: Any, session: Any, standard: EvaluationForm
) -> None:
    client.force_login(learner)
    # No setup: straight on to the claim (the "none" is cached too).
    assert client.get(_url(session)).status_code == 302
    setup = ActivityEvaluation.objects.create(activity=activity, form=standard)
    assert client.get(_url(session)).status_code == 200

    form, _, _ = _own_form(activity)
    setup.form = form
    setup.save()
    assert "Was it useful?" in client.get(_url(session)).content.decode()

    setup.mode = ActivityEvaluation.Mode.NONE
    setup.save()
    assert client.get(_url(session)).status_code == 302

    setup.delete()
    assert client.get(_url(session)).status_code == 302


def test_a_renamed_form_is_what_the_setup_holds(
    client: Any, learner: Any, activity: Any, session: Any
) -> None:
    from celedger.evaluations.selectors import evaluation_setup

    form, _, _ = _own_form(activity)
    ActivityEvaluation.objects.create(activity=activity, form=form)
    client.force_login(learner)
    client.get(_url(session))
    services.form_rename(form=form, name="Grand Rounds feedback")
    setup = evaluation_setup(activity=activity)
    assert setup is not None and setup.form is not None
    assert setup.form.name == "Grand Rounds feedback"


def test_a_copied_form_has_its_questions(activity: Any) -> None:
    from celedger.evaluations.selectors import form_questions

    form, _, _ = _own_form(activity)
    copy = services.form_copy(form=form, publisher=activity.publisher)
    assert [q.text for q in form_questions(form=copy)] == [
        "Was it useful?",
        "Would you come again?",
    ]
