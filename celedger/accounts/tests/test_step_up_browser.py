"""The busy-network step-up on a phone: the code page is readable at 375 px, accessible,
keeps the person on the way to their program, and a wrong code is told beside the field."""

import re
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core import mail

from celedger.accreditation.reference import load_reference_data
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_learner_on_a_busy_network_continues_with_an_emailed_code(
    page: Any, live_server: Any, settings: Any
) -> None:
    load_reference_data(django_apps)
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "duplicate_check": "0/h/ip"}
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/accounts/login/?next=/profile/")
    page.locator("#id_create_email").fill("crowd@example.org")
    page.get_by_role("button", name="CREATE ACCOUNT").click()
    page.get_by_label("Last Name").fill("Crowd")
    page.get_by_label("Phone").fill("734 555 0177")
    page.get_by_role("button", name="SUBMIT").click()
    page.get_by_role("heading", name="Enter the code we emailed you").wait_for()
    assert page.get_by_text("crowd@example.org").is_visible()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert code
    wrong = "000000" if code.group(1) != "000000" else "111111"
    page.get_by_label("Code from the email").fill(wrong)
    page.get_by_role("button", name="CONTINUE").click()
    page.get_by_text("That code is not right").wait_for()
    assert page.get_by_label("Code from the email").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    page.get_by_label("Code from the email").fill(code.group(1))
    page.get_by_role("button", name="CONTINUE").click()
    page.get_by_role("heading", name="No account found").wait_for()
    page.get_by_role("link", name="CONTINUE").click()
    page.get_by_role("heading", name="Online Profile").wait_for()
    assert page.locator("#id_email").input_value() == "crowd@example.org"
    assert "next=%2Fprofile%2F" in page.url or "next=/profile/" in page.url
