"""The whole new-learner way with the keyboard alone (issue 15): Event ID → sign-up →
profile → evaluation → claim → certificate → transcript. Every control is reached with Tab
and used with Space or Enter, the focus is visible at every stop, no page traps it, and
axe-core checks each page on the way."""

import re
from typing import Any

import pytest
from django.core import mail

from celedger.credits.models import Claim
from celedger.credits.tests.test_browser import program  # noqa: F401 (a fixture)
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, email_confirmation_path
from celedger.testing.keyboard import press_on, tab_to, type_into

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EMAIL = "keys.only@example.org"
PASSWORD = "a long passphrase 9041"


def choose(page: Any, select: Any, text: str) -> None:
    """A <select> by keyboard: focus it with Tab and type the start of the option."""
    tab_to(page, select)
    page.keyboard.type(text)


def test_a_new_learner_goes_the_whole_way_with_the_keyboard(
    page: Any,
    live_server: Any,
    program: Any,  # noqa: F811
    settings: Any,
) -> None:
    settings.SITE_URL = live_server.url
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(live_server.url + "/")
    assert_accessible(page)

    # The Event ID box in the header.
    type_into(page, page.get_by_label("Enter Event ID"), "k7q-m2p")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Sepsis: The First Hour").first.wait_for()
    assert_accessible(page)

    # Create account → the duplicate check → no match → the Online Profile.
    press_on(page, page.get_by_role("link", name="Create account").last)
    page.locator("#id_email").wait_for()
    assert_accessible(page)
    type_into(page, page.locator("#id_email"), EMAIL)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Do you already have an account?").wait_for()
    assert_accessible(page)
    type_into(page, page.get_by_label("Last Name"), "Okafor")
    type_into(page, page.get_by_label("Phone"), "(734) 555-0178")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="No account found").wait_for()
    assert_accessible(page)
    press_on(page, page.get_by_role("link", name="CONTINUE"))
    page.get_by_role("heading", name="Online Profile").wait_for()

    type_into(page, page.locator("#id_email2"), EMAIL)
    type_into(page, page.locator("#id_password1"), PASSWORD)
    type_into(page, page.locator("#id_password2"), PASSWORD)
    type_into(page, page.locator("#id_first_name"), "Ria")
    # Enter in the credential search ticks the best match, not submits the form.
    type_into(page, page.get_by_label("Search credentials"), "MD")
    page.keyboard.press("Enter")
    assert page.get_by_label(re.compile(r"^MD \(")).is_checked()
    choose(page, page.locator("#id_specialty"), "Internal Medicine")
    type_into(page, page.locator("#id_address1"), "1 Main Street")
    type_into(page, page.locator("#id_city"), "Livonia")
    choose(page, page.locator("#id_state"), "Michigan")
    type_into(page, page.locator("#id_postal_code"), "48154")
    type_into(page, page.locator("#id_phone"), "")  # kept from the duplicate check
    choose(page, page.locator("#id_status"), "Practicing")
    type_into(page, page.locator("#id_license_number"), "4301098766")
    assert_accessible(page)
    press_on(page, page.get_by_role("button", name="Save Profile"))
    page.get_by_role("heading", name="Check your email").wait_for()
    assert_accessible(page)

    # The emailed link (opened as a mail app would), confirmed with the keyboard.
    page.goto(live_server.url + email_confirmation_path(EMAIL))
    with page.expect_navigation():
        press_on(page, page.get_by_role("button", name=re.compile("confirm", re.I)))
    if "/e/K7QM2P/" not in page.url:
        page.goto(f"{live_server.url}/e/K7QM2P/")
    assert_accessible(page)

    # I'm here, then on to the evaluation.
    press_on(page, page.get_by_role("button", name="I'm here"))
    page.locator("p.checked-in").wait_for()
    press_on(page, page.get_by_role("link", name=re.compile("Continue to evaluation")))
    page.wait_for_url(re.compile("/evaluate/"))
    assert_accessible(page)
    # Each question: Tab into its group and Space on its first choice.
    for group in page.locator(
        "fieldset:has(input[type=radio]), fieldset:has(input[type=checkbox])"
    ).all():
        press_on(page, group.locator("input").first, " ")
    for box in page.locator("textarea").all():
        type_into(page, box, "qSOFA at triage")
    press_on(page, page.get_by_role("button", name="Submit evaluation"))
    page.wait_for_url(re.compile("/claim/"))

    # The claim: the maximum prefilled, the attestation with Space, Enter to claim.
    assert_accessible(page)
    press_on(page, page.get_by_label(re.compile("I attest")), " ")
    press_on(page, page.get_by_role("button", name="Claim credit"))
    page.get_by_role("heading", name="Your credit").wait_for()
    assert_accessible(page)
    assert Claim.objects.filter(learner__email=EMAIL).count() == 1

    # The certificate downloads with Enter on its link; then the transcript.
    with page.expect_download() as download:
        press_on(page, page.get_by_role("link", name="Download your certificate (PDF)"))
    assert download.value.suggested_filename.endswith(".pdf")
    press_on(page, page.get_by_role("link", name="Your transcript").last)
    page.get_by_role("heading", name="Your transcript").wait_for()
    assert_accessible(page)
    assert "Sepsis: The First Hour" in page.locator("main").inner_text()
    assert any(EMAIL in m.to for m in mail.outbox)
