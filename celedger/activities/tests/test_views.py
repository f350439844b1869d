import datetime
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from celedger.accreditation.tests.factories import CreditTypeFactory
from celedger.activities.models import Activity, Attendance, CreditDesignation, Session
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.profiles.tests.factories import LearnerProfileFactory, credential

# --- Lookup and program page ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["k7q-m2p", " K7Q M2P ", "k7qm2p", "K7Q-M2P"])
def test_it_normalises_what_the_learner_types(client: Any, activity: Any, typed: str) -> None:
    response = client.get(reverse("activities:lookup"), {"event_id": typed})
    assert response.status_code == 302
    assert response["Location"] == "/e/K7QM2P/"


@pytest.mark.django_db
def test_it_redirects_a_lower_case_link_to_the_canonical_one(client: Any, activity: Any) -> None:
    response = client.get("/e/k7q-m2p/")
    assert response.status_code == 302
    assert response["Location"] == "/e/K7QM2P/"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["ZZZZZZ", "I0O1LL", "abc", "----"])
def test_it_explains_an_unknown_event_id_on_a_normal_page(client: Any, typed: str) -> None:
    response = client.get(reverse("activities:lookup"), {"event_id": typed}, follow=True)
    assert response.status_code in (200, 404)
    body = response.content.decode()
    assert "<header" in body and "Enter Event ID" in body
    assert "could not find" in body or "Enter an Event ID" in body


@pytest.mark.django_db
def test_it_treats_a_draft_like_an_unknown_event_id(client: Any, activity: Any) -> None:
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.DRAFT)
    response = client.get("/e/K7QM2P/")
    assert response.status_code == 404
    assert "could not find" in response.content.decode()
    assert "Sepsis Update" not in response.content.decode()


@pytest.mark.django_db
def test_it_says_a_closed_program_is_closed(client: Any, activity: Any) -> None:
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.CLOSED)
    response = client.get("/e/K7QM2P/")
    assert response.status_code == 200
    assert "This program is closed" in response.content.decode()


@pytest.mark.django_db
def test_it_shows_anonymous_visitors_the_program_and_the_way_in(
    client: Any, activity: Any
) -> None:
    response = client.get("/e/K7QM2P/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sepsis Update" in body and "K7Q-M2P" in body
    start = reverse("activities:program_start", args=["K7QM2P"])
    assert f"{reverse('account_login')}?next={start.replace('/', '%2F')}" in body
    assert f"{reverse('account_signup')}?next={start.replace('/', '%2F')}" in body
    assert "For further assistance, please contact your CE site liaison Jo Reyes" in body
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_it_sends_a_signed_in_learner_without_profile_to_the_profile_then_back(
    client: Any, activity: Any
) -> None:
    from celedger.accounts.tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("activities:program_start", args=["K7QM2P"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("profiles:edit"))
    assert "next=%2Fe%2FK7QM2P%2Fstart%2F" in response["Location"]
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_it_checks_in_a_learner_once_and_shows_their_credit_only(
    client: Any, activity: Any
) -> None:
    nurse_type = CreditTypeFactory(code="ancc")
    nurse_type.professions.add(credential("RN").profession)
    ama = CreditDesignation.objects.get(activity=activity).credit_type
    ama.professions.add(credential("MD").profession)
    CreditDesignationFactory(activity=activity, credit_type=nurse_type, max_hours="1.00")
    nurse = LearnerProfileFactory(credential_list=("RN",))
    nurse.credentials.set([credential("RN")])
    client.force_login(nurse.user)

    session = activity.sessions.get()
    session.starts_at = timezone.now() - datetime.timedelta(minutes=10)
    session.ends_at = timezone.now() + datetime.timedelta(hours=1)
    session.save()

    response = client.get(reverse("activities:program_start", args=["K7QM2P"]))
    assert response["Location"] == "/e/K7QM2P/"
    body = client.get("/e/K7QM2P/").content.decode()
    assert nurse_type.name in body
    assert ama.name not in body.split("Your credit")[1].split("Next step")[0]
    # Opening the page (or coming back after sign-in) checks nobody in: GET writes nothing.
    assert not Attendance.objects.exists()
    assert "I&#x27;m here" in body or "I'm here" in body
    here = reverse("activities:check_in", args=["K7QM2P"])
    assert client.post(here)["Location"] == "/e/K7QM2P/"
    assert "You are checked in" in client.get("/e/K7QM2P/").content.decode()
    client.post(here)
    assert Attendance.objects.filter(learner=nurse.user).count() == 1


@pytest.mark.django_db
def test_it_refuses_im_here_after_the_session_has_ended(client: Any, activity: Any) -> None:
    learner = LearnerProfileFactory().user
    client.force_login(learner)
    # The fixture's session ended half an hour ago.
    response = client.post(reverse("activities:check_in", args=["K7QM2P"]), follow=True)
    assert "This session has ended" in response.content.decode()
    assert not Attendance.objects.exists()
    assert client.get(reverse("activities:check_in", args=["K7QM2P"])).status_code == 405


@pytest.mark.django_db
def test_it_links_continue_to_the_claim_while_the_window_is_open(
    client: Any, activity: Any
) -> None:
    client.force_login(LearnerProfileFactory().user)
    body = client.get("/e/K7QM2P/").content.decode()
    assert reverse("credits:claim", args=["K7QM2P"]) in body


@pytest.mark.django_db
def test_it_says_when_claiming_opens_for_a_future_session(client: Any, publisher: Any) -> None:
    later = timezone.now() + datetime.timedelta(days=3)
    SessionFactory(
        activity=ActivityFactory(publisher=publisher),
        event_id="FUTURE",
        starts_at=later,
        ends_at=later + datetime.timedelta(hours=1),
    )
    client.force_login(LearnerProfileFactory().user)
    body = client.get("/e/FUTURE/").content.decode()
    assert "claiming open" in body
    assert reverse("credits:claim", args=["FUTURE"]) not in body


@pytest.mark.django_db
def test_it_renders_the_program_page_in_constant_queries(
    client: Any, activity: Any, django_assert_num_queries: Any
) -> None:
    client.force_login(LearnerProfileFactory().user)
    for code in ["ancc", "acpe-p", "ipce", "aapa-1"]:
        CreditDesignationFactory(
            activity=activity,
            credit_type=CreditTypeFactory(code=code),
            max_hours="1.00",
            uan="0123-0000-26-001-L01-P" if code == "acpe-p" else "",
        )
    # auth session, the user with their profile, its credentials' ids and the header's
    # staff answer, check-ins; on this first visit the session by Event ID, the credential
    # table, the designations (+ professions, + session UANs for ACPE), the disclosure
    # flags and the learner's profession and specialty (one each, shared by every
    # learner), all cached after. Eligible types come from the designations.
    with django_assert_num_queries(11):
        assert client.get("/e/K7QM2P/").status_code == 200
    with django_assert_num_queries(3):
        assert client.get("/e/K7QM2P/").status_code == 200


@pytest.mark.django_db
def test_a_warm_program_page_compiles_none_of_its_own_reads(client: Any, activity: Any) -> None:
    from celedger.testing.orm import compiled_selects

    learner = LearnerProfileFactory().user
    client.force_login(learner)
    Attendance.objects.create(session=activity.sessions.get(), learner=learner)
    assert client.get("/e/K7QM2P/").status_code == 200  # warm
    with compiled_selects() as tables:
        response = client.get("/e/K7QM2P/")
    # Only Django's database session read (Redis in production): the learner's check-ins
    # are written out (`program_sessions`), and shown.
    assert tables == ["django_session"]
    assert not any(v.checked_in is False for v in response.context["visits"])


# --- Console ------------------------------------------------------------------------


def _create_post(**extra: Any) -> dict[str, Any]:
    ama = CreditTypeFactory(code="ama-pra-1")
    acpe = CreditTypeFactory(code="acpe-p")
    data = {
        "title": "Anticoagulation 2026",
        "description": "DOACs",
        "objectives": "One\nTwo",
        "format": "live",
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-02",
        "session_starts": "08:00",
        "session_ends": "09:30",
        "location": "Room 1",
        "status": "published",
        "credit-TOTAL_FORMS": "2",
        "credit-INITIAL_FORMS": "0",
        "credit-MIN_NUM_FORMS": "0",
        "credit-MAX_NUM_FORMS": "30",
        "credit-0-credit_type": str(ama.pk),
        "credit-0-max_hours": "1.50",
        "credit-1-credit_type": str(acpe.pk),
        "credit-1-max_hours": "1.50",
        "credit-1-uan": "0123-0000-26-001-L01-P",
        "credit-1-acpe_activity_type": "knowledge",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_it_creates_an_activity_with_designations_and_its_session(
    login: Any, publisher: Any
) -> None:
    response = login("coordinator").post(
        reverse("activities:console_create", args=[publisher.code]),
        _create_post(claim_closes_at="2026-03-20T17:00"),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title="Anticoagulation 2026")
    # Entered in the publisher's time zone (New York, EDT on March 20), stored in UTC.
    assert activity.claim_closes_at == datetime.datetime(2026, 3, 20, 21, 0, tzinfo=datetime.UTC)
    assert activity.claim_opens_at is None
    assert activity.designations.count() == 2
    session = activity.sessions.get()
    # 08:00 in New York on March 2 (EST).
    assert session.starts_at == datetime.datetime(2026, 3, 2, 13, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_it_keeps_what_was_typed_and_explains_a_bad_uan(login: Any, publisher: Any) -> None:
    response = login("coordinator").post(
        reverse("activities:console_create", args=[publisher.code]),
        _create_post(**{"credit-1-uan": "0123-0000-26-001-L01-T"}),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "A UAN for pharmacists ends in -P, not -T." in body
    assert 'value="Anticoagulation 2026"' in body
    assert not Activity.objects.filter(title="Anticoagulation 2026").exists()


@pytest.mark.django_db
def test_it_explains_hours_off_the_quarter_step(login: Any, publisher: Any) -> None:
    response = login("coordinator").post(
        reverse("activities:console_create", args=[publisher.code]),
        _create_post(**{"credit-0-max_hours": "1.10"}),
    )
    assert response.status_code == 200
    assert "steps of 0.25" in response.content.decode()


@pytest.mark.django_db
def test_it_adds_a_month_of_weekly_sessions_in_one_step(login: Any, activity: Any) -> None:
    response = login("coordinator").post(
        reverse("activities:sessions_weekly", args=[activity.publisher.code, activity.pk]),
        {
            "weekday": "2",
            "first_on": "2026-03-02",
            "starts": "12:00",
            "ends": "13:00",
            "count": "4",
        },
    )
    assert response.status_code == 302
    assert activity.sessions.count() == 5


@pytest.mark.django_db
def test_it_asks_for_a_count_or_an_end_date(login: Any, activity: Any) -> None:
    response = login("coordinator").post(
        reverse("activities:sessions_weekly", args=[activity.publisher.code, activity.pk]),
        {"weekday": "2", "first_on": "2026-03-02", "starts": "12:00", "ends": "13:00"},
    )
    assert response.status_code == 200
    assert "Give a number of sessions or an end date." in response.content.decode()


@pytest.mark.django_db
def test_it_lists_sessions_on_the_detail_page_in_constant_queries(
    login: Any, activity: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("viewer")
    url = reverse("activities:console_detail", args=[activity.publisher.code, activity.pk])
    # membership+publisher, activity, sessions (with check-in counts), designations,
    # professions; auth session and user, header memberships, profile reminder.
    with django_assert_max_num_queries(10):
        body = client.get(url).content.decode()
    assert "K7Q-M2P" in body
    for n in range(12):
        SessionFactory(activity=activity, event_id=f"SES{'ABCDEFGHJKMN'[n]}AA")
    with django_assert_max_num_queries(10):
        body = client.get(url).content.decode()
    assert "SESNAA" in body.replace("-", "")


# --- QR codes and posters -------------------------------------------------------------


def _zbar(path: Path) -> str:
    return subprocess.run(
        ["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.django_db
def test_it_serves_a_png_qr_code_that_decodes_to_the_link(
    login: Any, activity: Any, tmp_path: Path
) -> None:
    session = activity.sessions.get()
    response = login("viewer").get(
        reverse(
            "activities:session_qr_png", args=[activity.publisher.code, activity.pk, session.pk]
        )
    )
    assert response["Content-Type"] == "image/png"
    png = tmp_path / "qr.png"
    png.write_bytes(response.content)
    assert _zbar(png) == f"{settings.SITE_URL}/e/K7QM2P/"


@pytest.mark.django_db
def test_it_serves_an_svg_qr_code_that_decodes_to_the_link(
    login: Any, activity: Any, tmp_path: Path
) -> None:
    session = activity.sessions.get()
    response = login("viewer").get(
        reverse(
            "activities:session_qr_svg", args=[activity.publisher.code, activity.pk, session.pk]
        )
    )
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    # Rasterise the SVG the way a print shop would, then read it back.
    from weasyprint import HTML

    from celedger.core.pdf import data_url

    pdf = tmp_path / "qr.pdf"
    HTML(
        string=f'<img src="{data_url(response.content, "image/svg+xml")}" width="300">'
    ).write_pdf(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "page")], check=True)
    assert _zbar(next(tmp_path.glob("page*.png"))) == f"{settings.SITE_URL}/e/K7QM2P/"


@pytest.mark.django_db
def test_it_prints_a_one_page_poster_with_the_event_id_and_a_working_qr(
    login: Any, activity: Any, tmp_path: Path
) -> None:
    session = activity.sessions.get()
    response = login("viewer").get(
        reverse(
            "activities:session_poster", args=[activity.publisher.code, activity.pk, session.pk]
        )
    )
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "K7Q-M2P" in text
    assert "Sepsis Update" in text
    from pypdf import PdfReader

    assert len(PdfReader(pdf).pages) == 1
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(pdf), str(tmp_path / "p")], check=True)
    assert _zbar(next(tmp_path.glob("p*.png"))) == f"{settings.SITE_URL}/e/K7QM2P/"


@pytest.mark.django_db
def test_it_seeds_the_demo_idempotently_with_an_open_program_first() -> None:
    from celedger.activities import demo

    lines = demo.seed()
    assert lines[0].startswith("Demo program open now: Event ID ")
    counts = (Activity.objects.count(), Session.objects.count())
    assert demo.seed()[0] == lines[0]
    assert (Activity.objects.count(), Session.objects.count()) == counts
    live = Activity.objects.get(title=demo.LIVE_TITLE)
    assert {d.credit_type.code for d in live.designations.all()} >= {"ama-pra-1", "ancc", "acpe-p"}
    session = live.sessions.get()
    assert session.starts_at <= timezone.now() <= session.ends_at
    assert Activity.objects.get(title=demo.SERIES_TITLE).sessions.count() >= 4


@pytest.mark.django_db
def test_it_edits_an_activity_and_removes_a_designation(login: Any, activity: Any) -> None:
    ancc = CreditTypeFactory(code="ancc")
    CreditDesignationFactory(activity=activity, credit_type=ancc, max_hours="1.00")
    ama_row, ancc_row = sorted(activity.designations.all(), key=lambda d: d.credit_type.code)
    data = {
        "title": "Sepsis Update, revised",
        "format": "live",
        "starts_on": activity.starts_on.isoformat(),
        "ends_on": activity.ends_on.isoformat(),
        "status": "published",
        "credit-TOTAL_FORMS": "2",
        "credit-INITIAL_FORMS": "2",
        "credit-MIN_NUM_FORMS": "0",
        "credit-MAX_NUM_FORMS": "30",
        "credit-0-id": str(ama_row.pk),
        "credit-0-credit_type": str(ama_row.credit_type_id),
        "credit-0-max_hours": "2.25",
        "credit-1-id": str(ancc_row.pk),
        "credit-1-credit_type": str(ancc_row.credit_type_id),
        "credit-1-max_hours": "1.00",
        "credit-1-DELETE": "on",
    }
    response = login("coordinator").post(
        reverse("activities:console_edit", args=[activity.publisher.code, activity.pk]), data
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Sepsis Update, revised"
    assert [(d.credit_type.code, str(d.max_hours)) for d in activity.designations.all()] == [
        ("ama-pra-1", "2.25")
    ]
    assert activity.sessions.count() == 1, "editing never adds sessions"


@pytest.mark.django_db
def test_it_deletes_a_session_only_while_nobody_has_checked_in(login: Any, activity: Any) -> None:
    client = login("coordinator")
    mistake = SessionFactory(activity=activity, event_id="MSTAKE")
    kept = activity.sessions.get(event_id="K7QM2P")
    Attendance.objects.create(session=kept, learner=LearnerProfileFactory().user)
    for session in (mistake, kept):
        client.post(
            reverse(
                "activities:session_delete",
                args=[activity.publisher.code, activity.pk, session.pk],
            )
        )
    assert list(activity.sessions.values_list("event_id", flat=True)) == ["K7QM2P"]
    response = client.get(
        reverse("activities:console_detail", args=[activity.publisher.code, activity.pk])
    )
    assert "cannot be deleted" in response.content.decode()


@pytest.mark.django_db
def test_im_here_is_one_insert_that_keeps_the_first_time(client: Any, activity: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    learner = LearnerProfileFactory().user
    session = activity.sessions.get()
    session.starts_at = timezone.now() - datetime.timedelta(minutes=10)
    session.ends_at = timezone.now() + datetime.timedelta(hours=1)
    session.save()
    client.force_login(learner)
    here = reverse("activities:check_in", args=["K7QM2P"])
    with CaptureQueriesContext(connection) as captured:
        assert client.post(here)["Location"] == "/e/K7QM2P/"
    sql = [q["sql"] for q in captured.captured_queries]
    # django session, the user with their profile, the session by Event ID; then the
    # check-in: one INSERT (a tap already recorded changes nothing), no SELECT, no
    # savepoint. On this first request of the instance also the profession and specialty
    # (cached after).
    assert len(sql) == 6, sql
    assert sql[-1].startswith("INSERT") and '"activities_attendance"' in sql[-1]
    assert not any(s.startswith(("SAVEPOINT", "UPDATE")) for s in sql)
    first = Attendance.objects.get(learner=learner).checked_in_at
    client.post(here)
    assert Attendance.objects.get(learner=learner).checked_in_at == first


@pytest.mark.django_db
def test_im_here_compiles_nothing_through_the_orm(client: Any, activity: Any) -> None:
    from celedger.testing.orm import compiled_selects

    learner = LearnerProfileFactory().user
    session = activity.sessions.get()
    session.starts_at = timezone.now() - datetime.timedelta(minutes=10)
    session.ends_at = timezone.now() + datetime.timedelta(hours=1)
    session.save()
    client.force_login(learner)
    here = reverse("activities:check_in", args=["K7QM2P"])
    client.post(here)  # the session by Event ID cached
    Attendance.objects.filter(learner=learner).delete()
    with compiled_selects(inserts=True) as compiled:
        assert client.post(here)["Location"] == "/e/K7QM2P/"
    # Only Django's database session read (Redis in production); the check-in's INSERT is
    # written out, and the time is now.
    assert compiled == ["django_session"]
    attendance = Attendance.objects.get(learner=learner, session=session)
    assert abs(attendance.checked_in_at - timezone.now()) < datetime.timedelta(minutes=1)
