"""Seven credit designations in one save: rows added in place keep what was typed (#15)."""

import datetime
from typing import Any

import pytest

from celedger.accreditation.tests.factories import CreditTypeFactory
from celedger.activities.models import Activity
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_designates_seven_credit_types_in_one_save(
    page: Any, live_server: Any
) -> None:
    types = [CreditTypeFactory(name=f"Credit type {n}", short_name=f"CT{n}") for n in range(7)]
    publisher = PublisherFactory(code="lakeside")
    coordinator = StaffMembershipFactory(
        publisher=publisher, role=StaffMembership.Role.COORDINATOR
    ).user
    sign_in_as(page, live_server, coordinator)
    page.goto(f"{live_server.url}/console/lakeside/activities/new/")
    today = datetime.date.today()
    page.get_by_label("Title").fill("Cardiology Update")
    page.get_by_label("Starts on").fill(today.isoformat())
    page.get_by_label("Ends on").fill(today.isoformat())
    add = page.get_by_role("button", name="Add another credit type")
    for n, credit_type in enumerate(types):
        if n >= 2:  # the form starts with two rows
            add.click()
            assert page.evaluate("document.activeElement.id") == f"id_credit-{n}-credit_type"
        page.locator(f"#id_credit-{n}-credit_type").select_option(str(credit_type.pk))
        page.locator(f"#id_credit-{n}-max_hours").fill("1.50")
    # What was typed in the first rows is still there after adding the others.
    assert page.locator("#id_credit-0-max_hours").input_value() == "1.50"
    assert_accessible(page)
    page.get_by_role("button", name="Create activity").click()
    page.get_by_text("was created").wait_for()
    activity = Activity.objects.get(title="Cardiology Update")
    assert activity.designations.count() == 7
