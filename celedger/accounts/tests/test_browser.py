"""A new clinician's way in, in a real browser: sign-in page -> create account -> duplicate
check (both branches) -> Online Profile with the credit popup -> email verification -> profile."""

import re
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core import mail

from celedger.accreditation.reference import load_reference_data
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEXT = "/profile/"


@pytest.fixture(autouse=True)
def reference_data() -> None:
    # Transactional tests flush the tables the data migration filled: load them again.
    load_reference_data(django_apps)


def start_account(page: Any, live_server: Any, *, email: str, last_name: str, phone: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={NEXT}")
    assert_accessible(page)
    page.locator("#id_create_email").fill(email)
    page.get_by_role("button", name="CREATE ACCOUNT").click()
    page.get_by_role("heading", name="Do you already have an account?").wait_for()
    assert_accessible(page)
    page.get_by_label("Last Name").fill(last_name)
    page.get_by_label("Phone").fill(phone)
    page.get_by_role("button", name="SUBMIT").click()
    page.wait_for_load_state()


def fill_profile(page: Any) -> None:
    page.locator("#id_password1").fill("a long passphrase 9041")
    page.get_by_label("Re-enter Password").fill("a long passphrase 9041")
    page.get_by_label("First Name").fill("Pat")
    page.get_by_label("Search credentials").fill("pharm")
    page.get_by_label("PharmD (Doctor of Pharmacy)").check()
    preview = page.locator("#credit-preview")
    assert preview.get_attribute("aria-live") == "polite"
    preview.get_by_text("ACPE contact hours for pharmacists").wait_for()
    assert (
        page.get_by_label("Are you a Physician").evaluate(
            "el => el.options[el.selectedIndex].text"
        )
        == "Pharmacist"
    )
    page.locator("#id_specialty").select_option(label="Pharmacy")
    page.locator("#id_address1").fill("1 Main Street")
    page.get_by_label("City").fill("Livonia")
    page.locator("#id_state").select_option("MI")
    page.get_by_label("Zip").fill("48154")
    page.get_by_label("Status").select_option(label="Practicing / active")
    page.get_by_label("License Number").fill("0000")


def test_a_new_pharmacist_signs_up_verifies_and_lands_on_next(page: Any, live_server: Any) -> None:
    start_account(
        page, live_server, email="pat@example.org", last_name="Nobody", phone="734 555 0111"
    )
    page.get_by_role("heading", name="No account found").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="CONTINUE").click()

    page.get_by_role("heading", name="Online Profile").wait_for()
    assert page.locator("#id_email").input_value() == "pat@example.org"
    assert page.get_by_label("Last Name").input_value() == "Nobody"
    assert not page.locator("#board-details").is_visible()
    page.locator("#id_is_board_member_0").check()
    assert page.locator("#board-details").is_visible()
    page.locator("#id_is_board_member_1").check()
    fill_profile(page)
    assert_accessible(page)
    page.get_by_role("button", name="Save Profile").click()
    # Pharmacists must give birthday and NABP ID: refused, with the reason beside the fields.
    page.locator("#id_nabp_eprofile_id_error").wait_for()
    assert "CPE Monitor" in page.locator("#id_nabp_eprofile_id_error").inner_text()
    assert page.get_by_label("First Name").input_value() == "Pat"
    assert_accessible(page)
    page.locator("#id_password1").fill("a long passphrase 9041")
    page.get_by_label("Re-enter Password").fill("a long passphrase 9041")
    page.get_by_label("Birthday (MM/DD)").fill("02/29")
    page.get_by_label("NABP e-Profile ID").fill("1234567")
    page.get_by_role("button", name="Save Profile").click()

    page.get_by_role("heading", name="Check your email").wait_for()
    assert_accessible(page)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    assert link
    page.goto(link.group(0))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{live_server.url}{NEXT}")
    assert page.get_by_text("Your license number is a placeholder").is_visible()
    assert page.locator(".profile-summary").get_by_text("missing", exact=True).is_visible()
    assert_accessible(page)


def test_a_match_on_a_phone_offers_only_the_masked_email_and_not_me_continues(
    page: Any, live_server: Any
) -> None:
    existing = LearnerProfileFactory(last_name="García", phone="+17345550123")
    existing.user.email = "maria@example.org"
    existing.user.save()
    page.set_viewport_size(PHONE_VIEWPORT)
    start_account(
        page, live_server, email="maria2@example.org", last_name="GARCIA", phone="(734) 555-0123"
    )
    page.get_by_role("heading", name="You may already have an account").wait_for()
    assert page.get_by_text("m•••@e•••.org").is_visible()
    assert "maria@example.org" not in page.content()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("button", name="This is not me — continue").click()
    page.get_by_role("heading", name="Online Profile").wait_for()
    assert no_horizontal_scroll(page)
    page.get_by_label("RN (Registered Nurse)").check()
    page.locator("#credit-preview").get_by_text("ANCC nursing contact hours").wait_for()
    assert no_horizontal_scroll(page)
    assert_accessible(page)


def test_a_match_can_sign_in_with_an_emailed_code(page: Any, live_server: Any) -> None:
    existing = LearnerProfileFactory(last_name="Lee", phone="+17345550124")
    page.set_viewport_size(PHONE_VIEWPORT)
    start_account(page, live_server, email="lee@example.org", last_name="lee", phone="7345550124")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_role("heading", name="Enter Sign-In Code").wait_for()
    assert_accessible(page)
    assert mail.outbox[-1].to == [existing.user.email]
    link = re.search(r"https?://\S+/accounts/login/code/confirm/\?code=\S+", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(link.group(0))  # the link fills the code in
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{live_server.url}{NEXT}")
    page.get_by_role("heading", name="Online Profile").wait_for()
    assert page.get_by_label("Last Name").input_value() == "Lee"
    assert no_horizontal_scroll(page)
    assert_accessible(page)
