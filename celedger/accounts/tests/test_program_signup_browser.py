"""A new learner signs up from a program page on a phone (issue 15): the confirmation email
names the site, not the server's host:port, and opening its link in a second browser (the
phone's mail app opens its own) still leads to the program they scanned."""

import re
from typing import Any

import pytest
from django.core import mail

from celedger.accreditation.models import Specialty
from celedger.activities.tests.factories import ActivityFactory, SessionFactory
from celedger.profiles.tests.factories import credential
from celedger.publishers.tests.factories import PublisherFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import (
    PHONE_VIEWPORT,
    email_confirmation_path,
    sign_up_the_guides_way,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EMAIL = "ana.nunez@example.org"
PASSWORD = "a long passphrase 9041"  # sign_up_the_guides_way's


@pytest.fixture
def program() -> Any:
    credential("RN")
    Specialty.objects.get_or_create(name="Nursing", parent=None)
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health")
    activity = ActivityFactory(publisher=publisher, title="Sepsis Update")
    return SessionFactory(activity=activity)


def sign_up_on_a_phone(page: Any, live_server: Any, program: Any) -> None:
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/e/{program.event_id}/")
    sign_up_the_guides_way(
        page,
        live_server,
        email=EMAIL,
        last_name="Nuñez",
        phone="(734) 555-0199",
        first_name="Ana",
        credential="RN",
        specialty="Nursing",
        license_number="RN123456",
        confirm=False,
    )
    page.get_by_role("heading", name="Check your email").wait_for()


def test_the_confirmation_email_names_the_site_and_the_program_publisher(
    page: Any, live_server: Any, program: Any, settings: Any
) -> None:
    settings.SITE_NAME = "Lakeside CE"
    settings.SITE_URL = "https://ce.lakeside.example"
    sign_up_on_a_phone(page, live_server, program)

    [email] = [m for m in mail.outbox if EMAIL in m.to]
    # Only the link carries the server's address: the text names the site and the publisher.
    text = re.sub(r"https?://\S+", "", str(email.body))
    host_port = live_server.url.split("://", 1)[1]
    assert host_port not in str(email.subject) and host_port not in text
    assert "Hello from Lakeside CE!" in text
    assert "register an account on Lakeside CE for a program of Lakeside Health" in text
    assert_accessible(page)


def test_confirming_on_another_device_keeps_the_program(
    page: Any, live_server: Any, program: Any, browser: Any
) -> None:
    sign_up_on_a_phone(page, live_server, program)
    path = email_confirmation_path(EMAIL, with_query=True)

    other = browser.new_context(viewport=PHONE_VIEWPORT)  # never saw the sign-up's session
    try:
        phone = other.new_page()
        phone.goto(live_server.url + path)
        assert_accessible(phone)
        phone.get_by_role("button", name=re.compile("confirm", re.I)).click()
        # Not signed in on this device: the sign-in page, which returns to the program.
        phone.wait_for_url(re.compile(rf"/accounts/login/\?next=/e/{program.event_id}/"))
        assert phone.get_by_text(f"You have confirmed {EMAIL}").is_visible()
        assert_accessible(phone)
        phone.get_by_label("Email").first.fill(EMAIL)
        phone.get_by_label("Password").first.fill(PASSWORD)
        phone.get_by_role("button", name="Sign In").click()
        phone.wait_for_url(f"{live_server.url}/e/{program.event_id}/")
        phone.get_by_role("heading", name="Sepsis Update").wait_for()
        assert_accessible(phone)
    finally:
        other.close()
