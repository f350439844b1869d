"""The program page a learner reaches from the QR code, on a phone (issue 15)."""

from typing import Any

import pytest

from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_create_account_are_on_the_first_screen_of_a_phone(
    page: Any, live_server: Any
) -> None:
    activity = ActivityFactory(
        title="Sepsis 2026: Recognition and the First Hour in the Emergency Department",
        description="A case-based update. " * 30,
        objectives="Recognize early sepsis\nStart the hour-1 bundle\nHand off safely",
    )
    for _ in range(4):
        CreditDesignationFactory(activity=activity)
    session = SessionFactory(activity=activity)
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/e/{session.event_id}/")
    for name in ("Sign in", "Create account"):
        box = page.get_by_role("link", name=name, exact=True).last.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= PHONE_VIEWPORT["height"], name
    assert_accessible(page)
