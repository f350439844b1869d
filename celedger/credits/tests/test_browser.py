"""A new learner's whole way, as the guide tells it, then the coordinator's roster."""

import datetime
import importlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.utils import timezone

from celedger.activities.tests.factories import ActivityFactory, SessionFactory
from celedger.credits.models import Claim
from celedger.credits.tests.helpers import designate, learner
from celedger.evaluations.models import ActivityEvaluation, EvaluationForm
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import (
    PHONE_VIEWPORT,
    no_horizontal_scroll,
    sign_in_as,
    sign_up_the_guides_way,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EMAIL = "new.learner@example.org"
PASSWORD = "a long passphrase 9041"


@pytest.fixture
def program(reference_data: Any) -> Any:
    migration = importlib.import_module("celedger.evaluations.migrations.0002_standard_form")
    migration.create_standard(django_apps, None)
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health")
    activity = ActivityFactory(publisher=publisher, title="Sepsis: The First Hour", is_ipce=True)
    designate(activity, "ama-pra-1", "1.50")
    designate(activity, "ancc", "1.50")
    designate(activity, "acpe-p", "1.50", uan="0123-0000-26-001-L01-P")
    ActivityEvaluation.objects.create(
        activity=activity,
        mode=ActivityEvaluation.Mode.BUILTIN,
        form=EvaluationForm.objects.get(is_standard=True),
    )
    return SessionFactory(
        activity=activity,
        event_id="K7QM2P",
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )


def _group(page: Any, text: str) -> Any:
    return page.get_by_role("group", name=re.compile(re.escape(text)))


def _check_phone_page(page: Any) -> None:
    assert_accessible(page)
    assert no_horizontal_scroll(page)


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="poppler-utils and zbar-tools read the certificate back (make system-deps)",
)
def test_a_new_learner_goes_from_event_id_to_certificate_and_transcript(
    page: Any, live_server: Any, program: Any, settings: Any, tmp_path: Path
) -> None:
    settings.SITE_URL = live_server.url
    page.set_viewport_size(PHONE_VIEWPORT)

    # Event ID, typed loosely, from the home page.
    page.goto(live_server.url + "/")
    page.get_by_label("Enter Event ID").fill("k7q-m2p")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("heading", name="Sepsis: The First Hour").first.wait_for()

    # Sign-up: email, duplicate check, profile.
    sign_up_the_guides_way(
        page,
        live_server,
        email=EMAIL,
        last_name="Okafor",
        phone="(734) 555-0177",
        first_name="Ria",
        credential="MD",
        specialty="Internal Medicine",
        license_number="4301098765",
        password=PASSWORD,
    )
    assert len([m for m in mail.outbox if EMAIL in m.to]) == 1
    page.wait_for_load_state()

    # Back on the program: continue to the evaluation (the claim page sends us there).
    if "/e/K7QM2P/" not in page.url:
        page.goto(f"{live_server.url}/e/K7QM2P/")
    page.get_by_role("link", name=re.compile("Continue to evaluation")).click()
    page.wait_for_load_state()
    assert "/evaluate/" in page.url
    _group(page, "learning objectives").get_by_label("Strongly agree").check()
    _group(page, "commercial bias").get_by_label("Agree", exact=True).check()
    _group(page, "relevant to my practice").get_by_label("Strongly agree").check()
    _group(page, "change your practice").get_by_label("Yes").check()
    _group(page, "barriers").get_by_label("Time").check()
    _group(page, "Overall quality").get_by_label("5 (excellent)").check()
    page.get_by_label(re.compile("what will you change")).fill("qSOFA at triage")
    page.get_by_role("button", name="Submit evaluation").click()
    page.wait_for_load_state()

    # The claim: physician credit only, hours prefilled with the maximum.
    assert "/claim/" in page.url
    _check_phone_page(page)
    hours = page.get_by_label(re.compile("AMA PRA Category 1 Credit"))
    assert hours.input_value() == "1.50"
    assert page.get_by_label(re.compile("ANCC")).count() == 0
    hours.fill("1.25")
    page.get_by_label("I attest that I participated for the hours claimed.").check()
    page.get_by_role("button", name="Claim credit").click()
    page.get_by_role("heading", name="Your credit").wait_for()
    _check_phone_page(page)
    assert Claim.objects.get().hours == 1.25

    # The certificate, at once.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    text = " ".join(_pdf_text(pdf).split())
    assert "Ria Okafor, MD" in text
    assert "AMA PRA Category 1 Credit" in text and "1.25" in text
    assert "License 4301098765" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    [png] = list(tmp_path.glob("p*.png"))
    verify_url = subprocess.run(
        ["zbarimg", "--raw", "-q", str(png)], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert verify_url.startswith(f"{live_server.url}/verify/")
    assert len(mail.outbox) == 2 and mail.outbox[-1].attachments  # the certificate email

    # The transcript: the claim and the totals.
    page.get_by_role("link", name="Your transcript").click()
    page.get_by_role("heading", name="Your transcript").wait_for()
    _check_phone_page(page)
    activity_cells = page.locator('td[data-label="Activity"]').all_inner_texts()
    assert [t.strip() for t in activity_cells] == ["Sepsis: The First Hour"]
    assert page.locator(".totals").inner_text().startswith("1.25")

    # The public verification page, signed out.
    page.context.clear_cookies()
    page.goto(verify_url)
    assert page.get_by_text("This certificate is valid.").is_visible()
    assert page.get_by_text("Ria Okafor").is_visible()
    _check_phone_page(page)


def test_blocked_credit_and_the_coordinators_roster_are_accessible(
    page: Any, live_server: Any, program: Any
) -> None:
    # A pharmacist without NABP data sees why, with the fix.
    pharmacist = learner("PharmD", first_name="Inés", last_name="Núñez")
    session = program
    from celedger.activities.models import Attendance

    for other in (learner("MD", last_name="Okafor"), learner("RN", last_name="Nunn")):
        Attendance.objects.create(session=session, learner=other.user)
    from celedger.evaluations.models import Response

    # The single course is evaluated once for the activity (no session).
    Response.objects.create(learner=pharmacist.user, activity=session.activity)
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in_as(page, live_server, pharmacist.user)
    page.goto(f"{live_server.url}/e/{session.event_id}/claim/")
    assert page.get_by_text("NABP e-Profile ID and birth date").is_visible()
    fix = page.get_by_role("link", name="Add them")
    assert fix.get_attribute("href") == f"/profile/?next=%2Fe%2F{session.event_id}%2Fclaim%2F"
    _check_phone_page(page)

    # The coordinator awards it late, then corrects it.
    page.set_viewport_size({"width": 1280, "height": 900})
    coordinator = StaffMembershipFactory(
        publisher=session.activity.publisher, role=StaffMembership.Role.COORDINATOR
    ).user
    sign_in_as(page, live_server, coordinator)
    page.goto(f"{live_server.url}/console/lakeside/activities/{session.activity_id}/roster/")
    assert_accessible(page)
    page.get_by_label("Learner's email").fill(pharmacist.user.email)
    page.locator("#id_session").select_option(str(session.pk))
    page.get_by_label("Credit type").select_option(
        label="ACPE contact hours for pharmacists (max 1.50)"
    )
    # ACPE is the UAN's full amount; the missing NABP data needs an audited override.
    page.get_by_label("Hours").fill("1.50")
    page.get_by_label("Reason (kept in the audit log)").fill("NABP data given by phone")
    page.get_by_label(re.compile("Override the learner's eligibility")).check()
    page.get_by_role("button", name="Award credit").click()
    page.get_by_text("Credit awarded").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("ACPE")).first.click()
    page.get_by_role("heading", name="Correct the hours").wait_for()
    assert_accessible(page)
    # Lowering ACPE credit is refused next to the field (full amount only) …
    page.locator("#id_correct-hours").fill("1.25")
    page.locator("#id_correct-reason").fill("Stayed for the panel")
    page.get_by_role("button", name="Save hours").click()
    page.locator("#id_correct-hours_error").wait_for()
    assert page.locator("#id_correct-reason").input_value() == "Stayed for the panel"
    assert_accessible(page)

    # Back on the roster on a phone, the coordinator finds her by typing, accents left out:
    # htmx replaces the results (and the address) without reloading the page.
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/console/lakeside/activities/{session.activity_id}/roster/")
    assert page.get_by_text("Showing 1–3 of 3 learners.").is_visible()
    page.get_by_label("Find a learner").fill("nunez")
    page.get_by_text("Showing 1–1 of 1 learner matching.").wait_for()
    assert page.locator(".roster-table tbody tr").count() == 1
    assert page.locator('td[data-label="Learner"]', has_text="Núñez, Inés").is_visible()
    # Awarded over the learner's eligibility: flagged on the roster, in words.
    assert page.get_by_text(re.compile("Flagged.*Not eligible now")).first.is_visible()
    assert "q=nunez" in page.url
    _check_phone_page(page)
    # The status filter narrows the same search (the Show button: works without JavaScript).
    page.get_by_label("Status").select_option(label="Attended but not claimed")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("No learner matches.").wait_for()
    assert "status=attended-unclaimed" in page.url and "q=nunez" in page.url
    _check_phone_page(page)

    # A claim imported for a learner who never evaluated the course: flagged, in words.
    from celedger.credits.eligibility import session_date

    okafor = Attendance.objects.get(session=session, learner__profile__last_name="Okafor")
    designation = session.activity.designations.get(credit_type__code="ama-pra-1")
    Claim.objects.create(
        learner=okafor.learner,
        session=session,
        designation=designation,
        hours=designation.max_hours,
        max_hours=designation.max_hours,
        participated_on=session_date(session),
        attested_at=timezone.now(),
    )
    page.get_by_label("Find a learner").fill("")
    page.get_by_label("Status").select_option(value="flagged")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("Showing 1–2 of 2 learners matching.").wait_for()
    row = page.locator(".roster-table tbody tr", has_text="Okafor")
    assert row.get_by_text(
        "Not evaluated: credit needs the activity's evaluation, and the learner has not "
        "submitted it."
    ).is_visible()
    _check_phone_page(page)
