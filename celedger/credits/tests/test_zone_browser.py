"""A coordinator of a Los Angeles publisher sees session times in Pacific time, named, on the
roster's session filter and the claim page (issue 15) — not UTC."""

import datetime
from typing import Any

import pytest
from django.urls import reverse

from celedger.activities.models import Attendance
from celedger.activities.tests.factories import SessionFactory
from celedger.credits.services import claim_award
from celedger.credits.tests.helpers import activity_with, learner
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import StaffMembershipFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_sees_times_in_the_publishers_zone_named(
    page: Any, live_server: Any, reference_data: None
) -> None:
    session = activity_with("ama-pra-1", publisher__time_zone="America/Los_Angeles")
    # 8:00 AM Pacific standard time is 16:00 UTC on this November day.
    session.starts_at = datetime.datetime(2026, 11, 5, 16, 0, tzinfo=datetime.UTC)
    session.ends_at = session.starts_at + datetime.timedelta(hours=1)
    session.save()
    activity = session.activity
    SessionFactory(  # a series: the roster offers a session filter
        activity=activity,
        starts_at=datetime.datetime(2026, 12, 3, 17, 30, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 12, 3, 18, 30, tzinfo=datetime.UTC),
    )
    coordinator = StaffMembershipFactory(
        publisher=activity.publisher, role=StaffMembership.Role.COORDINATOR
    ).user
    profile = learner("MD", last_name="Okafor")
    Attendance.objects.create(session=session, learner=profile.user)
    designation = activity.designations.get()
    claim_award(
        actor=coordinator,
        learner=profile.user,
        session=session,
        designation=designation,
        hours=designation.max_hours,
        reason="Signed the sheet",
    )
    sign_in_as(page, live_server, coordinator)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(
        live_server.url + reverse("credits:roster", args=[activity.publisher.code, activity.pk])
    )
    choice = page.locator("#roster-session option", has_text=session.event_id)
    assert "Nov 5, 2026 8:00 AM PST" in choice.inner_text()
    assert page.locator("#roster-session").get_by_text("Dec 3, 2026 9:30 AM PST").count()
    assert "4:00 PM" not in page.content() and "UTC" not in page.locator("main").inner_text()
    assert_accessible(page)

    page.locator("td[data-label=Credit] a").first.click()
    page.wait_for_url("**/claims/**")
    main = page.locator("main").inner_text()
    assert "Nov 5, 2026 8:00 AM PST" in main
    assert "UTC" not in main
    assert_accessible(page)
