"""Where people land after signing in: staff in the console (no learner-profile nag),
learners on their profile or home page as before, and an explicit `next` always wins."""

from typing import Any

import pytest
from django.urls import reverse

from celedger.accounts.tests.factories import PASSWORD, UserFactory
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def sign_in(client: Any, email: str, next_url: str = "") -> Any:
    data = {"login": email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_login"), data)


def test_it_lands_staff_without_a_learner_profile_in_the_console(client: Any) -> None:
    membership = StaffMembershipFactory()
    response = sign_in(client, membership.user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("publishers:console")
    dashboard = client.get(response["Location"], follow=True)
    assert dashboard.status_code == 200
    assert dashboard.redirect_chain[-1][0] == reverse(
        "publishers:dashboard", args=[membership.publisher.code]
    )
    assert "complete all areas" not in dashboard.content.decode()


def test_it_lands_staff_with_a_learner_profile_in_the_console_too(client: Any) -> None:
    profile = LearnerProfileFactory()
    StaffMembershipFactory(user=profile.user)
    response = sign_in(client, profile.user.email)
    assert response["Location"] == reverse("publishers:console")


def test_it_follows_an_explicit_next_for_staff(client: Any) -> None:
    membership = StaffMembershipFactory()
    response = sign_in(client, membership.user.email, next_url="/transcript/")
    assert response["Location"] == "/transcript/"


def test_it_lands_a_learner_home_or_on_the_profile_first(client: Any) -> None:
    learner = LearnerProfileFactory()
    assert sign_in(client, learner.user.email)["Location"] == reverse("home")
    client.logout()
    newcomer = UserFactory()
    location = sign_in(client, newcomer.email)["Location"]
    assert location == f"{reverse('profiles:edit')}?next=%2F"
