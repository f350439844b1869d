"""Bulk and historical imports: column guessing, matching, preview errors, idempotency."""

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from celedger.accounts.tests.factories import UserFactory
from celedger.activities.models import Attendance
from celedger.core.models import AuditEvent
from celedger.credits.models import Claim, ExternalCredit
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.rollout.models import ImportJob, ImportRow, WalkIn
from celedger.rollout.selectors import import_preview
from celedger.rollout.services import import_run, import_start, import_upload
from celedger.rollout.spreadsheets import guess_mapping, read_sheet
from celedger.rollout.tests.helpers import links_to, sign_in_sheet

pytestmark = pytest.mark.django_db

ZOOM_REPORT = b"""Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants
812 3456 7890,Sepsis Update,03/02/2026 09:00:00 AM,03/02/2026 10:00:00 AM,host@example.org,60,3

Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest
Ana Nunez,ana@example.org,03/02/2026 09:01:00 AM,03/02/2026 10:00:00 AM,59,Yes
"Okafor, Chidi",chidi@example.org,03/02/2026 09:03:00 AM,03/02/2026 09:58:00 AM,55,Yes
"""


def _upload(publisher: Any, actor: Any, content: bytes, name: str = "sheet.csv", **kw: Any) -> Any:
    return import_upload(
        actor=actor,
        publisher=publisher,
        kind=kw.pop("kind", ImportJob.Kind.ATTENDANCE),
        upload=SimpleUploadedFile(name, content),
        session=kw.pop("session", None),
        designation=kw.pop("designation", None),
        default_hours=kw.pop("default_hours", None),
    )


def _run(job: Any, actor: Any) -> ImportJob:
    import_start(job=job, actor=actor)  # the immediate task backend runs it
    return ImportJob.objects.get(pk=job.pk)


def test_it_guesses_a_sign_in_sheet_and_a_zoom_report() -> None:
    sheet = read_sheet(
        content=sign_in_sheet([("Ana", "Núñez", "a@x.org", "1")]), file_name="s.csv"
    )
    mapping = guess_mapping(headers=sheet.headers, kind="attendance")
    assert mapping["email"] == "Email"
    assert mapping["first_name"] == "First Name"
    assert mapping["license_number"] == "License #"

    zoom = read_sheet(content=ZOOM_REPORT, file_name="zoom.csv")
    assert zoom.headers[0] == "Name (Original Name)"  # the meeting summary above is skipped
    zoom_map = guess_mapping(headers=zoom.headers, kind="attendance")
    assert zoom_map["full_name"] == "Name (Original Name)"
    assert zoom_map["email"] == "User Email"
    assert [line for line, _ in zoom.rows] == [5, 6]


def test_it_reads_xlsx(publisher: Any, people: Any, session: Any) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Email", "First name", "Last name"])
    sheet.append(["xl@example.org", "Xia", "Lee"])
    buffer = io.BytesIO()
    book.save(buffer)

    job = _upload(publisher, people["coordinator"], buffer.getvalue(), "s.xlsx", session=session)
    job = _run(job, people["coordinator"])

    assert Attendance.objects.filter(learner__email="xl@example.org", session=session).exists()


def test_it_rejects_an_unreadable_file_next_to_the_field(
    login: Any, publisher: Any, session: Any
) -> None:
    response = login("coordinator").post(
        reverse("rollout:imports", args=[publisher.code]),
        {
            "kind": "attendance",
            "session": str(session.pk),
            "file": SimpleUploadedFile("notes.csv", b"hello\nworld\n"),
        },
    )
    assert response.status_code == 400
    assert "No header row found" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_it_matches_by_email_then_nabp_then_license_with_the_last_name(
    publisher: Any, people: Any, session: Any
) -> None:
    by_email = UserFactory(email="Known@Example.org")
    by_nabp = LearnerProfileFactory(last_name="Okafor", nabp_eprofile_id="1234567")
    by_license = LearnerProfileFactory(last_name="Núñez", license_number="MI-4301")
    content = (
        b"First,Last,Email,License,NABP\n"
        b"K,Known,known@example.org,,\n"
        b"Chidi,OKAFOR,,,1234567\n"
        b"Ana,Nunez,,mi-4301,\n"
        b"Wrong,Person,,MI-4301,\n"
    )
    job = _upload(publisher, people["coordinator"], content, session=session)

    preview = import_preview(job=job)

    assert [r.learner for r in preview.rows[:3]] == [by_email, by_nabp.user, by_license.user]
    assert preview.rows[3].learner is None
    assert "No learner matches this row" in preview.rows[3].errors[0]


def test_a_corrected_file_imports_only_what_was_missing(
    publisher: Any, people: Any, session: Any, designation: Any
) -> None:
    coordinator = people["coordinator"]
    good = [(f"First{i}", f"Last{i}", f"p{i}@example.org", f"L{i}") for i in range(27)]
    bad = [
        ("Nomail", "One", "", ""),
        ("Bad", "Email", "not-an-email", ""),
        ("", "", "x@y.org", ""),
    ]
    content = sign_in_sheet(good + bad)

    first = _run(
        _upload(
            publisher,
            coordinator,
            content,
            kind=ImportJob.Kind.CREDIT,
            session=session,
            designation=designation,
            default_hours=Decimal("1.50"),
        ),
        coordinator,
    )
    assert first.status == "done"
    assert first.result == {"added": 27, "unchanged": 0, "error": 3}
    assert Claim.objects.filter(session=session).count() == 27
    assert ImportRow.objects.filter(job=first).count() == 30
    assert AuditEvent.objects.filter(action="import.row").count() == 30
    assert AuditEvent.objects.filter(action="claim.award").count() == 27
    assert WalkIn.objects.count() == 27
    assert links_to("p0@example.org", "/welcome/")

    fixed = [
        *good,
        ("Nomail", "One", "one@example.org", ""),
        ("Bad", "Email", "bad@example.org", ""),
        ("Ex", "Why", "x@y.org", ""),
    ]
    second = _run(
        _upload(
            publisher,
            coordinator,
            sign_in_sheet(fixed),
            kind=ImportJob.Kind.CREDIT,
            session=session,
            designation=designation,
            default_hours=Decimal("1.50"),
        ),
        coordinator,
    )
    assert second.result == {"added": 3, "unchanged": 27, "error": 0}
    assert Claim.objects.filter(session=session).count() == 30
    assert get_user_model().objects.filter(email__endswith="example.org").count() >= 29
    assert Attendance.objects.filter(session=session).count() == 30

    # The very same file a third time: nothing at all changes.
    third = _run(
        _upload(
            publisher,
            coordinator,
            sign_in_sheet(fixed),
            kind=ImportJob.Kind.CREDIT,
            session=session,
            designation=designation,
            default_hours=Decimal("1.50"),
        ),
        coordinator,
    )
    assert third.result == {"added": 0, "unchanged": 30, "error": 0}
    assert Claim.objects.filter(session=session).count() == 30


def test_it_refuses_hours_over_the_designation_row_by_row(
    publisher: Any, people: Any, session: Any, designation: Any
) -> None:
    content = (
        b"Email,First,Last,Hours\n"
        b"a@example.org,A,B,1.5\nb@example.org,B,C,2\nc@example.org,C,D,0.3\n"
    )
    job = _upload(
        publisher,
        people["coordinator"],
        content,
        kind=ImportJob.Kind.CREDIT,
        session=session,
        designation=designation,
    )
    preview = import_preview(job=job)
    assert preview.rows[0].ok
    assert "more than the 1.5 designated" in preview.rows[1].errors[0]
    assert "quarter-hour steps" in preview.rows[2].errors[0]


def test_historical_credit_lands_on_the_transcript_as_external(
    client: Any, publisher: Any, people: Any
) -> None:
    learner = LearnerProfileFactory(last_name="Okafor", license_number="RN123").user
    content = (
        b"Email,License,Last Name,Course,Provider,Completion Date,Credit Type,Credits\n"
        + f"{learner.email},,Okafor,Heart Failure 2024,CloudCME Hospital,03/14/2024,"
        "AMA PRA Category 1 Credit™,2.0\n".encode()
        + b",RN123,Okafor,Wound Care,Other Society,2023-11-02,ANCC contact hours,1.5\n"
    )
    job = _upload(publisher, people["coordinator"], content, kind=ImportJob.Kind.HISTORICAL)
    assert job.mapping["activity_title"] == "Course"
    done = _run(job, people["coordinator"])
    assert done.result["added"] == 2
    again = _run(
        _upload(publisher, people["coordinator"], content, kind=ImportJob.Kind.HISTORICAL),
        people["coordinator"],
    )
    assert again.result == {"added": 0, "unchanged": 2, "error": 0}
    credits = ExternalCredit.objects.filter(learner=learner).order_by("completed_on")
    assert [c.activity_title for c in credits] == ["Wound Care", "Heart Failure 2024"]
    assert credits[1].credit_type is not None and credits[1].credit_type.code == "ama-pra-1"

    client.force_login(learner)
    page = client.get(reverse("credits:transcript")).content.decode()
    assert "External credit" in page
    assert "Heart Failure 2024" in page
    assert "external" in page


def test_the_file_is_stored_outside_media(publisher: Any, people: Any, session: Any) -> None:
    job = _upload(
        publisher,
        people["coordinator"],
        sign_in_sheet([("A", "B", "a@b.org", "")]),
        session=session,
    )
    path = Path(job.file.path).resolve()
    assert not str(path).startswith(str(Path(settings.MEDIA_ROOT).resolve()))
    assert len(Path(job.file.name).stem) >= 32
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018


def test_the_preview_page_shows_each_problem_with_a_bounded_query_count(
    login: Any, publisher: Any, people: Any, session: Any, django_assert_max_num_queries: Any
) -> None:
    rows = [(f"F{i}", f"L{i}", f"p{i}@example.org", "") for i in range(40)] + [("X", "Y", "", "")]
    job = _upload(publisher, people["coordinator"], sign_in_sheet(rows), session=session)
    client = login("coordinator")
    # Queries: session, user, membership+publisher, job, users by email, merged accounts,
    # publisher zone is in memory; the count does not grow with rows.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("rollout:import_detail", args=[publisher.code, job.pk]))
    page = response.content.decode()
    assert "40</strong> of 41 rows can be imported" in page
    assert "No learner matches this row" in page


def test_the_progress_partial_polls_until_done(
    login: Any, publisher: Any, people: Any, session: Any
) -> None:
    job = _upload(
        publisher,
        people["coordinator"],
        sign_in_sheet([("A", "B", "a@b.org", "")]),
        session=session,
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running", total=10, done=4)
    client = login("viewer")
    url = reverse("rollout:import_detail", args=[publisher.code, job.pk])
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in partial
    assert 'value="4"' in partial
    assert "<html" not in partial
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    import_run(job_id=job.pk)
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in done
    assert "1</strong> added" in done
