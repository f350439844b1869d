"""In a browser: a coordinator imports a sign-in sheet with bad rows, fixes and re-imports
it; a walk-in gets credit and claims their account; site staff merge two accounts."""

import datetime
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from celedger.accounts.models import DuplicateCheck
from celedger.accounts.tests.factories import UserFactory
from celedger.accreditation.models import CreditType
from celedger.activities.models import Attendance
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.credits.models import Claim
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory
from celedger.rollout.tests.helpers import LINK, sign_in_sheet
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, no_horizontal_scroll, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting(reference_data: Any) -> dict[str, Any]:
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health")
    coordinator = StaffMembershipFactory(
        publisher=publisher, role=StaffMembership.Role.COORDINATOR
    ).user
    activity = ActivityFactory(publisher=publisher, title="Sepsis Update")
    designation = CreditDesignationFactory(
        activity=activity,
        credit_type=CreditType.objects.get(code="ama-pra-1"),
        max_hours=Decimal("1.50"),
    )
    session = SessionFactory(
        activity=activity,
        event_id="K7QM2P",
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        ends_at=timezone.now() - datetime.timedelta(hours=2),
    )
    return {
        "publisher": publisher,
        "coordinator": coordinator,
        "session": session,
        "designation": designation,
    }


def _sheet(tmp_path: Path, name: str, rows: list[tuple[str, str, str, str]]) -> str:
    path = tmp_path / name
    path.write_bytes(sign_in_sheet(rows))
    return str(path)


def _choose(select: Any, text: str) -> None:
    """Pick the option whose label contains `text`."""
    select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def _upload(page: Any, file_path: str) -> None:
    page.get_by_role("link", name="Imports", exact=True).click()
    page.get_by_label("Attendance (sign-in sheet, Zoom report)").check()
    page.get_by_label("File (.csv or .xlsx)").set_input_files(file_path)
    _choose(page.get_by_label("Session", exact=True), "K7QM2P")
    page.get_by_role("button", name="Upload and check").click()


def test_a_coordinator_imports_a_sheet_fixes_three_rows_and_imports_again(
    page: Any, live_server: Any, setting: dict[str, Any], tmp_path: Path
) -> None:
    good = [(f"Pat{i}", f"Learner{i}", f"pat{i}@example.org", f"L{i:04d}") for i in range(27)]
    bad = [
        ("Noemail", "Person", "", ""),
        ("Typo", "Mail", "typo@example", ""),
        ("", "", "x@example.org", ""),
    ]
    fixed = [
        *good,
        ("Noemail", "Person", "noemail@example.org", ""),
        ("Typo", "Mail", "typo@example.org", ""),
        ("Xavier", "Ortiz", "x@example.org", ""),
    ]
    sign_in_as(page, live_server, setting["coordinator"])
    page.goto(f"{live_server.url}/console/lakeside/")

    _upload(page, _sheet(tmp_path, "sign-in.csv", good + bad))
    expect(page.get_by_label("Email", exact=True)).to_have_value("Email")  # guessed
    expect(page.get_by_text("27 of 30 rows can be imported")).to_be_visible()
    expect(page.get_by_text("“typo@example” is not an email address.")).to_be_visible()
    expect(page.get_by_text("A first and last name are needed")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Import 27 rows").click()
    expect(page.locator("#import-result")).to_contain_text(
        "27 added, 0 already there, 3 not imported"
    )
    expect(page.get_by_role("heading", name="Rows not imported")).to_be_visible()
    assert Attendance.objects.filter(session=setting["session"]).count() == 27

    _upload(page, _sheet(tmp_path, "sign-in-fixed.csv", fixed))
    expect(page.get_by_text("30 of 30 rows can be imported")).to_be_visible()
    page.get_by_role("button", name="Import 30 rows").click()
    expect(page.locator("#import-result")).to_contain_text(
        "3 added, 27 already there, 0 not imported"
    )
    assert Attendance.objects.filter(session=setting["session"]).count() == 30
    assert UserFactory._meta.model.objects.filter(email__startswith="pat").count() == 27
    page.set_viewport_size(PHONE_VIEWPORT)
    assert no_horizontal_scroll(page)
    assert_accessible(page)


def test_a_walk_in_gets_credit_and_claims_their_account(
    page: Any, live_server: Any, setting: dict[str, Any]
) -> None:
    sign_in_as(page, live_server, setting["coordinator"])
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/console/lakeside/walk-ins/")
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Núñez")
    page.get_by_label("Email").fill("ana.nunez@example.org")
    page.get_by_label("Profession").select_option(label="Physician")
    page.get_by_label("License number").fill("4301099")
    _choose(page.get_by_label("Session attended"), "K7QM2P")
    _choose(page.locator("#id_designation"), "AMA PRA")
    page.get_by_label("Hours").fill("1.5")
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("button", name="Save and email").click()
    expect(page.get_by_text("Saved. We emailed ana.nunez@example.org")).to_be_visible()
    expect(page.get_by_role("cell", name="ana.nunez@example.org")).to_be_visible()

    [message] = [m for m in mail.outbox if "ana.nunez@example.org" in m.to]
    link = next(u for u in LINK.findall(str(message.body)) if "/welcome/" in u)
    page.context.clear_cookies()
    page.goto(live_server.url + "/" + link.split("/", 3)[3])
    expect(page.get_by_role("heading", name="Claim your account")).to_be_visible()
    expect(page.locator("#id_last_name")).to_have_value("Núñez")
    page.locator("#id_password1").fill("a long passphrase 9041")
    page.locator("#id_password2").fill("a long passphrase 9041")
    page.get_by_label(re.compile(r"^MD \(")).check()
    page.locator("#id_specialty").select_option(index=1)
    page.locator("#id_address1").fill("1 Main Street")
    page.locator("#id_city").fill("Livonia")
    page.locator("#id_state").select_option("MI")
    page.locator("#id_postal_code").fill("48154")
    page.locator("#id_phone").fill("734 555 0199")
    page.locator("#id_status").select_option("practicing")
    page.get_by_role("button", name="Claim my account").click()
    expect(page.get_by_text("Tick the attestation to accept the credit.")).to_be_visible()
    expect(page.locator("#id_city")).to_have_value("Livonia")  # nothing typed is lost
    page.locator("#id_password1").fill("a long passphrase 9041")
    page.locator("#id_password2").fill("a long passphrase 9041")
    page.get_by_label("I attest that I participated").check()
    assert_accessible(page)
    page.get_by_role("button", name="Claim my account").click()

    expect(page.get_by_role("heading", name="Your transcript")).to_be_visible()
    expect(page.locator("td", has_text="Sepsis Update").first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("PDF certificate"))).to_be_visible()
    assert Claim.objects.get(learner__email="ana.nunez@example.org").hours == Decimal("1.50")
    assert no_horizontal_scroll(page)


def test_site_staff_merge_two_accounts(
    page: Any, live_server: Any, setting: dict[str, Any]
) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    kept = LearnerProfileFactory(user=UserFactory(email="ana@hospital.org")).user
    away = LearnerProfileFactory(user=UserFactory(email="ana.personal@example.org")).user
    Attendance.objects.create(session=setting["session"], learner=away)
    DuplicateCheck.objects.create(
        last_name="Nunez", phone="+17345550199", matched_user=kept, new_user=away, outcome="not_me"
    )
    sign_in_as(page, live_server, admin)
    page.goto(f"{live_server.url}/site-tools/merge/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Preview merge")).click()
    expect(page.locator("#merge-moves")).to_contain_text("Attendance: 1")
    page.get_by_role("button", name="Merge ana.personal@example.org into ana@hospital.org").click()
    expect(
        page.get_by_text("Merged ana.personal@example.org into ana@hospital.org")
    ).to_be_visible()
    expect(page.get_by_text("None waiting.")).to_be_visible()
    away.refresh_from_db()
    assert not away.is_active
    assert Attendance.objects.get().learner == kept
    page.set_viewport_size(PHONE_VIEWPORT)
    assert no_horizontal_scroll(page)
