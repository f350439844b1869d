import csv
import io
import time
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.http import FileResponse
from django.urls import reverse
from openpyxl import load_workbook

from celedger.accounts.models import User
from celedger.activities.models import Attendance
from celedger.activities.tests.factories import SessionFactory
from celedger.evaluations.models import Answer, Question, Response
from celedger.evaluations.tests.helpers import standard_answers
from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db
Kind = Question.Kind


def _summary_url(activity: Any) -> str:
    return reverse("evaluations:summary", args=["stjude", activity.pk])


def _evaluate(client: Any, user: Any, session: Any, form: Any, **overrides: Any) -> None:
    client.force_login(user)
    r = client.post(
        reverse("evaluations:evaluate", args=[session.event_id]),
        standard_answers(form, **overrides),
    )
    assert r.status_code == 302


@pytest.fixture
def answered(client: Any, activity: Any, session: Any, setup: Any, standard: Any) -> Any:
    """A physician and a nurse answered; a pharmacist attended without answering."""
    physician = LearnerProfileFactory(credential_list=("MD",)).user
    nurse = LearnerProfileFactory(credential_list=("RN",)).user
    pharmacist = LearnerProfileFactory(credential_list=("PharmD",)).user
    for user in (physician, nurse, pharmacist):
        Attendance.objects.create(session=session, learner=user)
    _evaluate(client, physician, session, standard, q1="5", q7="5", q8="Great speaker")
    _evaluate(client, nurse, session, standard, q1="3", q4="no", q7="3", q8=None)
    client.logout()
    return physician, nurse


def test_it_counts_distributions_and_averages(
    client: Any, coordinator: Any, activity: Any, answered: Any
) -> None:
    client.force_login(coordinator)

    r = client.get(_summary_url(activity))

    body = r.content.decode()
    summary = r.context["summary"]
    assert (summary.responses, summary.attendees) == (2, 3)
    objectives = summary.forms[0].questions[0]
    assert [b.count for b in objectives.bars] == [0, 0, 1, 0, 1]
    assert objectives.average == 4.0
    yes_no = summary.forms[0].questions[3]
    assert [(b.label, b.count, b.percent) for b in yes_no.bars] == [("Yes", 1, 50), ("No", 1, 50)]
    barriers = summary.forms[0].questions[5]
    assert [b.count for b in barriers.bars][:3] == [2, 2, 0]
    assert "Great speaker" in body
    assert 'aria-label="Strongly agree: 1 of 2"' in body
    assert "<meter" in body and "style=" not in body


def test_it_filters_by_profession(
    client: Any, coordinator: Any, activity: Any, answered: Any
) -> None:
    client.force_login(coordinator)

    r = client.get(_summary_url(activity), {"profession": "nurse"})

    summary = r.context["summary"]
    assert (summary.responses, summary.attendees) == (1, 1)
    assert summary.forms[0].questions[0].average == 3.0
    assert "Great speaker" not in r.content.decode()


def test_it_filters_by_session(
    client: Any, coordinator: Any, activity: Any, session: Any, answered: Any, standard: Any
) -> None:
    later = SessionFactory(activity=activity)
    _evaluate(client, answered[0], later, standard, q1="1")
    client.force_login(coordinator)

    whole = client.get(_summary_url(activity)).context["summary"]
    one = client.get(_summary_url(activity), {"session": later.pk}).context["summary"]

    assert whole.responses == 3
    assert (one.responses, one.attendees) == (1, 0)
    assert one.forms[0].questions[0].average == 1.0


def test_viewers_read_the_summary_and_outsiders_do_not(
    client: Any, viewer: Any, outsider: Any, learner: Any, activity: Any, answered: Any
) -> None:
    urls = [
        _summary_url(activity),
        reverse("evaluations:export_csv", args=["stjude", activity.pk]),
        reverse("evaluations:export_xlsx", args=["stjude", activity.pk]),
    ]
    client.force_login(viewer)
    assert [client.get(u).status_code for u in urls] == [200, 200, 200]

    client.force_login(outsider)
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
    # Through their own publisher's URL the activity is not theirs either.
    other = reverse("evaluations:summary", args=["other", activity.pk])
    assert client.get(other).status_code == 404

    client.force_login(learner)
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]


def test_it_exports_one_row_per_response_as_csv(
    client: Any, coordinator: Any, activity: Any, session: Any, answered: Any, standard: Any
) -> None:
    client.force_login(coordinator)

    r = client.get(reverse("evaluations:export_csv", args=["stjude", activity.pk]))

    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    questions = list(standard.questions.all())
    assert rows[0][:5] == ["Learner", "Email", "Profession", "Event ID", "Submitted at"]
    assert rows[0][6:] == [q.text for q in questions]
    assert len(rows) == 3
    physician = answered[0]
    first = rows[1]
    assert first[1] == physician.email and first[2] == "Physician" and first[3] == "K7QM2P"
    assert first[6] == "5" and first[9] == "Yes" and first[-1] == "Great speaker"
    assert rows[2][2] == "Nurse" and rows[2][9] == "No" and rows[2][-1] == ""


def test_the_export_neutralises_spreadsheet_formulas(
    client: Any, coordinator: Any, activity: Any, session: Any, setup: Any, standard: Any
) -> None:
    _evaluate(client, LearnerProfileFactory().user, session, standard, q8='=HYPERLINK("x")')
    client.force_login(coordinator)

    r = client.get(reverse("evaluations:export_csv", args=["stjude", activity.pk]))

    assert "'=HYPERLINK" in b"".join(r.streaming_content).decode("utf-8-sig")


def test_it_exports_xlsx(client: Any, coordinator: Any, activity: Any, answered: Any) -> None:
    client.force_login(coordinator)

    r = client.get(reverse("evaluations:export_xlsx", args=["stjude", activity.pk]))

    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[1][6] == 5 and rows[2][2] == "Nurse"


def test_versions_of_a_lineage_share_columns(
    client: Any, coordinator: Any, publisher: Any, activity: Any, session: Any, setup: Any
) -> None:
    from celedger.evaluations import services

    v1 = services.form_copy(form=setup.form, publisher=publisher)
    services.activity_evaluation_set(activity=activity, mode="builtin", form=v1)
    _evaluate(client, LearnerProfileFactory().user, session, v1)
    v2 = services.form_copy(form=v1, publisher=publisher)
    services.question_add(form=v2, kind=Kind.YES_NO, text="Would you recommend it?")
    services.activity_evaluation_set(activity=activity, mode="builtin", form=v2)
    _evaluate(client, LearnerProfileFactory().user, session, v2)
    client.force_login(coordinator)

    r = client.get(reverse("evaluations:export_csv", args=["stjude", activity.pk]))

    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert len(rows[0]) == 6 + 8 + 1
    assert rows[0][-1] == "Would you recommend it?"
    assert rows[1][-1] == "" and rows[2][-1] == "Yes"
    assert rows[1][6] == rows[2][6] == "4"


# --- 5,000 responses: a handful of aggregate queries -----------------------------------


@pytest.fixture
def five_thousand(activity: Any, session: Any, setup: Any, standard: Any) -> int:
    count = 5000
    password = make_password(None)
    User.objects.bulk_create(
        [User(email=f"bulk{i}@example.org", password=password) for i in range(count)],
        batch_size=1000,
    )
    users = list(User.objects.filter(email__startswith="bulk").values_list("id", flat=True))
    Response.objects.bulk_create(
        [
            Response(form=standard, learner_id=uid, activity=activity, session=session)
            for uid in users
        ],
        batch_size=1000,
    )
    questions = list(standard.questions.all())
    answers = []
    response_ids = Response.objects.filter(activity=activity).values_list("id", flat=True)
    for i, rid in enumerate(response_ids):
        for q in questions:
            if q.kind in (Kind.AGREEMENT, Kind.RATING):
                answers.append(Answer(response_id=rid, question=q, number=1 + i % 5))
            elif q.kind == Kind.YES_NO:
                answers.append(Answer(response_id=rid, question=q, number=i % 2))
            elif q.kind == Kind.MULTIPLE:
                picked = q.choices[: 1 + i % 3]
                answers.append(Answer(response_id=rid, question=q, selected=picked))
            elif i % 10 == 0:
                answers.append(Answer(response_id=rid, question=q, text=f"Comment {i}"))
    Answer.objects.bulk_create(answers, batch_size=2000)
    return count


def test_a_summary_of_5000_responses_takes_a_handful_of_queries(
    client: Any,
    coordinator: Any,
    activity: Any,
    five_thousand: int,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(coordinator)

    # session, user, membership+publisher, activity, setup, profession lookup (filter);
    # summary: totals, attendees, forms, questions, numbers, singles, multiples, texts;
    # filter selects: sessions, professions; nav: user.memberships
    started = time.perf_counter()
    with django_assert_max_num_queries(20):
        r = client.get(_summary_url(activity), {"profession": "physician"})
    with django_assert_max_num_queries(20):
        r = client.get(_summary_url(activity))
    elapsed = time.perf_counter() - started

    summary = r.context["summary"]
    assert summary.responses == five_thousand
    assert [b.count for b in summary.forms[0].questions[0].bars] == [1000] * 5
    assert summary.forms[0].questions[0].average == 3.0
    assert summary.forms[0].questions[7].answered == 500
    assert len(summary.forms[0].questions[7].texts) == 200
    assert elapsed < 10


def test_an_export_of_5000_responses_takes_a_handful_of_queries(
    client: Any,
    coordinator: Any,
    activity: Any,
    five_thousand: int,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(coordinator)

    # session, user, membership+publisher, activity, setup, form ids, questions;
    # then responses and answers, each read in chunks.
    with django_assert_max_num_queries(12):
        r = client.get(reverse("evaluations:export_csv", args=["stjude", activity.pk]))
        lines = b"".join(r.streaming_content).decode("utf-8-sig").splitlines()

    assert len(lines) == five_thousand + 1


def test_an_xlsx_of_5000_responses_streams_from_a_file_in_a_handful_of_queries(
    client: Any,
    coordinator: Any,
    activity: Any,
    five_thousand: int,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(coordinator)

    # The same queries as the CSV; the rows go into a temporary file (not an openpyxl
    # workbook in memory), served from it.
    with django_assert_max_num_queries(12):
        r = client.get(reverse("evaluations:export_xlsx", args=["stjude", activity.pk]))
    assert isinstance(r, FileResponse)
    assert r["Content-Disposition"] == (
        f'attachment; filename="evaluation-activity-{activity.pk}.xlsx"'
    )
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    assert len(rows) == five_thousand + 1
    assert rows[0][:2] == ("Learner", "Email")


def test_a_formula_email_stays_text_in_csv_and_xlsx(
    client: Any, coordinator: Any, activity: Any, session: Any, setup: Any, standard: Any
) -> None:
    # Found by the issue #9 probe: the email column went out as a live formula.
    evil = "=cmd|' /C calc'!A0@example.org"
    learner = LearnerProfileFactory().user
    type(learner).objects.filter(pk=learner.pk).update(email=evil)
    learner.refresh_from_db()
    _evaluate(client, learner, session, standard)
    client.force_login(coordinator)

    csv_response = client.get(reverse("evaluations:export_csv", args=["stjude", activity.pk]))
    rows = list(
        csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig")))
    )
    assert rows[1][1] == "'" + evil
    xlsx = client.get(reverse("evaluations:export_xlsx", args=["stjude", activity.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == "'" + evil and cell.data_type == "s"
