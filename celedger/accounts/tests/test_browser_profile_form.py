"""The Online Profile on a phone: Enter in the credential search, typed passwords kept across
an error, and fields that become required announced as required (issue 15)."""

from typing import Any

import pytest
from django.apps import apps as django_apps

from celedger.accounts.tests.test_browser import start_account
from celedger.accreditation.reference import load_reference_data
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long passphrase 9041"


@pytest.fixture(autouse=True)
def reference_data() -> None:
    load_reference_data(django_apps)


def open_profile_form(page: Any, live_server: Any) -> None:
    page.set_viewport_size(PHONE_VIEWPORT)
    start_account(
        page, live_server, email="kim@example.org", last_name="Nobody", phone="734 555 0142"
    )
    page.get_by_role("link", name="CONTINUE").click()
    page.get_by_role("heading", name="Online Profile").wait_for()


def required_state(page: Any, selector: str) -> tuple[bool, str | None]:
    """(is the * shown, aria-required) for the field around `selector`."""
    field = page.locator(selector)
    mark = page.locator(f"label[for='{selector[1:]}'] [data-required-mark]")
    return mark.is_visible(), field.get_attribute("aria-required")


def test_it_picks_the_first_credential_on_enter_and_keeps_the_passwords(
    page: Any, live_server: Any
) -> None:
    open_profile_form(page, live_server)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    search = page.get_by_label("Search credentials")
    search.fill("rn")
    search.press("Enter")

    # Still the same page, nothing submitted: the first match is ticked, the box cleared.
    assert page.locator("ul.errorlist").count() == 0
    assert page.get_by_label("RN (Registered Nurse)").is_checked()
    assert search.input_value() == ""
    page.locator("#credit-preview").get_by_text("ANCC").first.wait_for()

    # An error elsewhere (no first name, no address) does not empty the passwords.
    page.get_by_role("button", name="Save Profile").click()
    page.locator("#id_first_name_error").wait_for()
    assert page.locator("#id_password1").input_value() == PASSWORD
    assert page.locator("#id_password2").input_value() == PASSWORD
    assert page.get_by_label("RN (Registered Nurse)").is_checked()


def test_it_marks_fields_required_when_the_choice_makes_them_so(
    page: Any, live_server: Any
) -> None:
    open_profile_form(page, live_server)
    assert required_state(page, "#id_nabp_eprofile_id") == (False, None)
    assert required_state(page, "#id_birthday") == (False, None)

    page.get_by_label("Search credentials").fill("pharm")
    page.get_by_label("PharmD (Doctor of Pharmacy)").check()
    assert required_state(page, "#id_nabp_eprofile_id") == (True, "true")
    assert required_state(page, "#id_birthday") == (True, "true")
    assert required_state(page, "#id_board_id") == (False, None)

    page.locator("#id_is_board_member_0").check()  # yes
    assert required_state(page, "#id_board") == (True, "true")
    assert required_state(page, "#id_board_id") == (True, "true")
    assert_accessible(page)

    page.locator("#id_is_board_member_1").check()  # no
    assert required_state(page, "#id_board_id") == (False, None)
    page.get_by_label("Are you a Physician").select_option(label="Nurse")
    assert required_state(page, "#id_nabp_eprofile_id") == (False, None)
