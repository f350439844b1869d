"""Personas shared by the publishers and activities tests: staff of each role, an
outsider (another publisher's admin), a learner with a profile, and anonymous."""

from typing import Any

import pytest

from celedger.accounts.tests.factories import UserFactory
from celedger.accreditation.tests.factories import CreditTypeFactory
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory

Role = StaffMembership.Role
PERSONAS = ["admin", "coordinator", "viewer", "outsider", "learner", "anonymous"]


@pytest.fixture
def publisher() -> Any:
    return PublisherFactory(code="lakeside", name="Lakeside Health", liaison_name="Jo Reyes")


@pytest.fixture
def other_publisher() -> Any:
    return PublisherFactory(code="glps", name="Great Lakes Pharmacy")


@pytest.fixture
def people(publisher: Any, other_publisher: Any) -> dict[str, Any]:
    return {
        "admin": StaffMembershipFactory(publisher=publisher, role=Role.ADMIN).user,
        "coordinator": StaffMembershipFactory(publisher=publisher, role=Role.COORDINATOR).user,
        "viewer": StaffMembershipFactory(publisher=publisher, role=Role.VIEWER).user,
        "outsider": StaffMembershipFactory(publisher=other_publisher, role=Role.ADMIN).user,
        "learner": LearnerProfileFactory().user,
        "anonymous": None,
    }


@pytest.fixture
def activity(publisher: Any) -> Any:
    activity = ActivityFactory(publisher=publisher, title="Sepsis Update")
    CreditDesignationFactory(
        activity=activity, credit_type=CreditTypeFactory(code="ama-pra-1"), max_hours="1.50"
    )
    SessionFactory(activity=activity, event_id="K7QM2P")
    return activity


@pytest.fixture
def login(client: Any, people: dict[str, Any]) -> Any:
    def as_persona(name: str) -> Any:
        user = people[name]
        if user is not None:
            client.force_login(user)
        return client

    return as_persona


@pytest.fixture
def other_staff_member(publisher: Any) -> Any:
    return StaffMembershipFactory(publisher=publisher, role=Role.VIEWER, user=UserFactory())


def assert_persona_answer(response: Any, *, persona: str, min_role: str, method: str) -> bool:
    """What a console URL must answer each persona (every app's permission matrix uses it):
    anonymous → sign in; another publisher's staff and learners → 404 (the publisher is not
    revealed); too low a role → 403; allowed → 200/302 (a POST redirects). True if allowed."""
    from django.urls import reverse

    from celedger.publishers.selectors import ROLE_RANK

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        return False
    if persona in ("outsider", "learner"):
        assert response.status_code == 404
        return False
    if ROLE_RANK[Role(persona)] < ROLE_RANK[Role(min_role)]:
        assert response.status_code == 403
        return False
    assert response.status_code in (200, 302), response.content.decode()[:2000]
    if method == "post":
        assert response.status_code == 302, response.content.decode()[:3000]
    return True
