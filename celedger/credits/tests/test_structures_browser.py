"""At 375 px: a conference claimed once, a pharmacist's session UAN, two weeks of grand rounds."""

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from celedger.activities.models import Attendance, SessionUAN
from celedger.credits.models import Claim
from celedger.credits.tests.helpers import conference, grand_rounds, learner
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, no_horizontal_scroll, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check_phone_page(page: Any) -> None:
    assert_accessible(page)
    assert no_horizontal_scroll(page)


def _attest_and_claim(page: Any) -> None:
    page.get_by_label("I attest that I participated for the hours claimed.").check()
    page.get_by_role("button", name="Claim credit").click()
    page.get_by_role("heading", name="Your credit").wait_for()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils reads the PDF back")
def test_a_physician_claims_three_of_six_conference_sessions_once(
    page: Any, live_server: Any, reference_data: Any, settings: Any, tmp_path: Path
) -> None:
    settings.SITE_URL = live_server.url
    activity = conference(title="Cardiology Update")
    sessions = list(activity.sessions.order_by("starts_at"))
    physician = learner("MD", first_name="Ria", last_name="Okafor")
    for session in (sessions[0], sessions[2], sessions[4]):
        Attendance.objects.create(session=session, learner=physician.user)
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in_as(page, live_server, physician.user)

    # The conference's own Event ID: one program page, every session listed.
    page.goto(f"{live_server.url}/e/{activity.event_id}/")
    for session in sessions:
        assert page.get_by_text(session.topic, exact=False).first.is_visible()
    _check_phone_page(page)
    page.get_by_role("link", name=re.compile("Continue to evaluation")).click()
    page.wait_for_load_state()
    assert f"/e/{activity.event_id}/claim/" in page.url

    # Pre-ticked from the three check-ins; the total is their sum (1.00 + 1.00 + 1.50).
    boxes = page.get_by_role("checkbox", name=re.compile("Session [1-6]"))
    assert boxes.count() == 6
    ticked = [n for n in range(6) if boxes.nth(n).is_checked()]
    assert ticked == [0, 2, 4]
    # The session labels name their amounts in unit words too: the field is the spinbutton.
    hours = page.get_by_role("spinbutton", name=re.compile("AMA PRA Category 1 Credit"))
    assert Decimal(hours.input_value()) == Decimal("3.50")
    _check_phone_page(page)
    _attest_and_claim(page)
    _check_phone_page(page)
    claims = Claim.objects.filter(learner=physician.user).order_by("session__starts_at")
    assert [c.session for c in claims] == [sessions[0], sessions[2], sessions[4]]

    # One certificate for the conference, with the total.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert "Cardiology Update" in text and "3.5" in text
    assert "8.00" not in text and "6.50 AMA PRA" not in text.split("awarded")[-1]

    # The transcript names each session.
    page.get_by_role("link", name="Your transcript").click()
    page.get_by_role("heading", name="Your transcript").wait_for()
    _check_phone_page(page)
    cells = page.locator('td[data-label="Activity"]').all_inner_texts()
    assert sorted(re.findall(r"Session: (Session \d)", " ".join(cells))) == [
        "Session 1",
        "Session 3",
        "Session 5",
    ]


def test_a_pharmacist_claims_a_sessions_own_uan_in_full(
    page: Any, live_server: Any, reference_data: Any
) -> None:
    activity = conference("acpe-p", maximum="7.50", title="Cardiology Update")
    sessions = list(activity.sessions.order_by("starts_at"))
    designation = activity.designations.get()
    SessionUAN.objects.create(
        session=sessions[1], designation=designation, uan="0123-0000-26-002-L01-P"
    )
    pharmacist = learner("PharmD", nabp_eprofile_id="1234567", birth_month=3, birth_day=4)
    Attendance.objects.create(session=sessions[1], learner=pharmacist.user)
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in_as(page, live_server, pharmacist.user)
    page.goto(f"{live_server.url}/e/{sessions[1].event_id}/claim/")
    hours = page.get_by_label(re.compile("ACPE"))
    assert Decimal(hours.input_value()) == Decimal("1.50")
    assert page.get_by_text("Claimed in full").is_visible()
    # Lowering it is refused next to the field, and what was typed stays.
    hours.fill("1.00")
    page.get_by_label("I attest that I participated for the hours claimed.").check()
    page.get_by_role("button", name="Claim credit").click()
    page.get_by_text("claimed in full: 1.5").wait_for()
    assert page.get_by_label(re.compile("ACPE")).input_value() == "1.00"
    _check_phone_page(page)
    page.get_by_label(re.compile("ACPE")).fill("1.50")
    _attest_and_claim(page)
    assert page.get_by_text("UAN 0123-0000-26-002-L01-P").is_visible()
    _check_phone_page(page)
    claim = Claim.objects.get(learner=pharmacist.user)
    assert (claim.hours, claim.uan) == (Decimal("1.50"), "0123-0000-26-002-L01-P")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils reads the PDFs back")
def test_a_grand_rounds_learner_claims_two_weeks_and_sees_both_dated(
    page: Any, live_server: Any, reference_data: Any, tmp_path: Path
) -> None:
    last_week, today = grand_rounds()
    physician = learner("MD")
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in_as(page, live_server, physician.user)
    for session in (last_week, today):
        page.goto(f"{live_server.url}/e/{session.event_id}/claim/")
        assert page.get_by_label(re.compile("AMA PRA")).input_value() in ("1", "1.00")
        _attest_and_claim(page)
    _check_phone_page(page)
    # Each week claimed lists its own certificate on the claim page.
    assert page.get_by_role("link", name=re.compile("Certificate \\(PDF\\)")).count() == 2
    page.get_by_role("link", name="Your transcript").click()
    page.get_by_role("heading", name="Your transcript").wait_for()
    dates = [d.strip() for d in page.locator('td[data-label="Date"]').all_inner_texts()]
    zone = today.activity.publisher.zone
    days = [s.starts_at.astimezone(zone).date() for s in (today, last_week)]
    assert dates == [f"{d:%Y-%m-%d}" for d in days]
    assert "Session: Hyponatremia" in page.locator("table").inner_text()
    credit = page.locator('td[data-label="Credit"]').all_inner_texts()
    assert [c.strip() for c in credit] == ["1 AMA PRA Category 1 Credit™"] * 2
    _check_phone_page(page)

    # Two certificates, one per week, each naming its own topic and date.
    links = page.locator('td[data-label="Certificate"] a')
    assert links.count() == 2
    numbers = set()
    for n, (session, day) in enumerate(zip((today, last_week), days, strict=True)):
        with page.expect_download() as download_info:
            links.nth(n).click()
        pdf = tmp_path / f"week-{n}.pdf"
        download_info.value.save_as(pdf)
        text = " ".join(
            subprocess.run(
                ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
            ).stdout.split()
        )
        assert session.topic in text
        assert f"{day:%A}, {day:%B} {day.day}, {day.year}" in text
        assert "1 AMA PRA Category 1 Credit™" in text
        other = last_week if session == today else today
        assert other.topic not in text
        numbers.add(re.search(r"Certificate (CE-[\w-]+)", text).group(1))  # type: ignore[union-attr]
    assert len(numbers) == 2
