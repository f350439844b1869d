"""Inviting a colleague who has no account, in a real browser: the admin invites, the
invitee follows the emailed link, signs up the guide's way, confirms, accepts, lands on
the dashboard."""

import re
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core import mail

from celedger.accreditation.reference import load_reference_data
from celedger.publishers.models import StaffInvitation, StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import (
    PHONE_VIEWPORT,
    no_horizontal_scroll,
    sign_in_as,
    sign_up_the_guides_way,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = StaffMembership.Role
INVITEE = "sam.ortiz@example.org"
INVITATION_LINK = re.compile(r"https?://\S+(/console/invitations/\S+/)")


@pytest.fixture(autouse=True)
def reference_data() -> None:
    # Transactional tests flush the tables the data migration filled: load them again.
    load_reference_data(django_apps)


def test_an_admin_invites_a_new_coordinator_who_signs_up_and_accepts(
    page: Any, live_server: Any
) -> None:
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health")
    admin = StaffMembershipFactory(publisher=publisher, role=Role.ADMIN).user
    sign_in_as(page, live_server, admin)

    page.goto(f"{live_server.url}/console/lakeside/staff/")
    page.get_by_label("Email").fill(INVITEE)
    page.locator("#id_role").select_option(label="Coordinator")
    page.get_by_role("button", name="Add or invite").click()
    page.get_by_text("an invitation was emailed").wait_for()
    assert page.get_by_role("button", name=f"Revoke the invitation to {INVITEE}").is_visible()
    assert_accessible(page)

    invitation_mail = [m for m in mail.outbox if m.to == [INVITEE]]
    assert len(invitation_mail) == 1
    link = INVITATION_LINK.search(invitation_mail[0].body)
    assert link, invitation_mail[0].body
    invitation_path = link.group(1)

    # The invitee, with no account, on a phone.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(live_server.url + invitation_path)
    page.get_by_role("heading", name="Join Lakeside Health").wait_for()
    assert page.get_by_text("s•••@e•••.org").first.is_visible()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    sign_up_the_guides_way(
        page,
        live_server,
        email=INVITEE,
        last_name="Ortiz",
        phone="(734) 555-0177",
        first_name="Sam",
        credential="RN",
        specialty="Nursing",
        license_number="RN123456",
    )

    page.wait_for_url(f"**{invitation_path}")
    accept = page.get_by_role("button", name="Accept and join Lakeside Health")
    accept.wait_for()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    accept.click()

    page.wait_for_url("**/console/lakeside/")
    page.get_by_text("Welcome to Lakeside Health: you are coordinator").wait_for()
    membership = StaffMembership.objects.get(publisher=publisher, user__email=INVITEE)
    assert membership.role == Role.COORDINATOR
    assert StaffInvitation.objects.get().accepted_at is not None
    assert_accessible(page)
