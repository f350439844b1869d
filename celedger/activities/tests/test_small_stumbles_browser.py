"""Small stumbles of issue 15, each seen in a real browser at 375 px: the sign-in page's two
email boxes have their own names, the portal shows only what is open now, a home-study
course is linked by name, credentials print with commas, and a heading that wraps stays
inside its box."""

import datetime
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from celedger.accreditation.models import Credential
from celedger.accreditation.reference import load_reference_data
from celedger.activities.models import Activity
from celedger.activities.tests.factories import ActivityFactory, SessionFactory
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.publishers.tests.factories import PublisherFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sign_in_page_names_each_email_box(page: Any, live_server: Any) -> None:
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/accounts/login/")
    sign_in = page.locator("label[for=id_login]").inner_text().replace("*", "").strip()
    create = page.get_by_label("Email for your new account")
    assert create.get_attribute("id") == "id_create_email"
    assert sign_in and sign_in != "Email for your new account"
    assert_accessible(page)


def test_the_portal_on_a_phone(page: Any, live_server: Any) -> None:
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health")
    now = timezone.now()
    series = ActivityFactory(
        publisher=publisher,
        title="Medicine Grand Rounds",
        format=Activity.Format.RSS,
        ends_on=timezone.localdate() + datetime.timedelta(days=40),
    )
    SessionFactory(
        activity=series, topic="Sepsis today", starts_at=now - datetime.timedelta(hours=1)
    )
    SessionFactory(
        activity=series, topic="Next month", starts_at=now + datetime.timedelta(days=30)
    )
    course = ActivityFactory(
        publisher=publisher,
        title="Opioid Stewardship",
        format=Activity.Format.ENDURING,
        starts_on=timezone.localdate() - datetime.timedelta(days=5),
        ends_on=timezone.localdate() + datetime.timedelta(days=360),
    )
    SessionFactory(
        activity=course,
        topic="",
        starts_at=now - datetime.timedelta(days=5),
        ends_at=now + datetime.timedelta(days=360),
    )
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/p/lakeside/")
    open_now = page.locator("section", has=page.get_by_role("heading", name="Open now"))
    coming_up = page.locator("section", has=page.get_by_role("heading", name="Coming up"))
    assert "Sepsis today" in open_now.inner_text()
    assert "Next month" not in open_now.inner_text()
    assert "Next month" in coming_up.inner_text()
    assert open_now.get_by_role("link", name="Start the course").is_visible()
    assert_accessible(page)


def test_names_credentials_and_wrapped_headings_on_the_profile(
    page: Any, live_server: Any
) -> None:
    load_reference_data(django_apps)  # a transactional test flushed the data migrations
    profile = LearnerProfileFactory(first_name="Ana", last_name="Nuñez")
    profile.credentials.set(Credential.objects.filter(abbreviation__in=["MSN", "NP"]))
    sign_in_as(page, live_server, profile.user)
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/profile/")
    assert page.get_by_role("heading", name="Ana Nuñez, MSN, NP").is_visible()
    # "Pharmacists, pharmacy technicians and board members" wraps on a phone: inside its box.
    box = page.locator("#pharmacy").bounding_box()
    legend = page.locator("#pharmacy > legend").bounding_box()
    assert legend["height"] > 30  # it did wrap
    assert legend["y"] >= box["y"]
