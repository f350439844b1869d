"""Single sign-on in a real browser against a real OpenID Connect provider the test starts
(django-oauth-toolkit, its own process, users and keys): a new clinician gets a just-in-time
account and completes the learner profile; someone who already has an account with the
same, provider-verified email is signed in to it and linked; an unverified email links to
nothing; staff land in the console."""

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.apps import apps as django_apps
from django.core import mail

from celedger.accounts.models import User
from celedger.accounts.tests.factories import UserFactory
from celedger.accreditation.reference import load_reference_data
from celedger.profiles.models import LearnerProfile
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.publishers.tests.factories import StaffMembershipFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, no_horizontal_scroll
from celedger.testing.idp import IdentityProvider, oidc_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IDP_PASSWORD = "idp-password-42"
CALLBACK = "/accounts/oidc/example-health/login/callback/"


@pytest.fixture(scope="module")
def idp(live_server: Any) -> Iterator[IdentityProvider]:
    users = [
        {
            "username": "ana",
            "email": "ana.ruiz@examplehealth.org",
            "first_name": "Ana",
            "last_name": "Ruiz",
        },
        {"username": "bo", "email": "bo@example.org", "first_name": "Bo", "last_name": "Chen"},
        {
            "username": "unverified-cy",
            "email": "cy@example.org",
            "first_name": "Cy",
            "last_name": "Doe",
        },
        {
            "username": "dee",
            "email": "dee@examplehealth.org",
            "first_name": "Dee",
            "last_name": "Staff",
        },
    ]
    for user in users:
        user["password"] = IDP_PASSWORD
    port = live_server.url.rsplit(":", 1)[1]
    redirect_uris = [f"http://{name}:{port}{CALLBACK}" for name in ("localhost", "127.0.0.1")]
    with oidc_provider(users=users, redirect_uris=redirect_uris) as provider:
        yield provider


@pytest.fixture(autouse=True)
def sso_app(idp: IdentityProvider) -> SocialApp:
    # Transactional tests flush the tables the data migration filled: load them again.
    load_reference_data(django_apps)
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="example-health",
        name="Example Health",
        client_id=idp.client_id,
        secret=idp.client_secret,
        settings={"server_url": idp.url, "oauth_pkce_enabled": True},
    )


def sign_in_at_the_provider(
    page: Any, live_server: Any, *, username: str, next_url: str = ""
) -> None:
    query = f"?next={next_url}" if next_url else ""
    page.goto(f"{live_server.url}/accounts/login/{query}")
    assert_accessible(page)
    page.get_by_role("button", name="Sign in with Example Health").click()
    page.get_by_role("heading", name="Example Health sign-in").wait_for()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Sign in to Example Health").click()
    page.wait_for_url(f"{live_server.url}/**")


def test_a_new_clinician_gets_an_account_from_sso_and_completes_the_profile(
    page: Any, live_server: Any
) -> None:
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in_at_the_provider(page, live_server, username="ana")
    # Just-in-time account, then the existing profile flow, then where they were going.
    page.get_by_role("heading", name="Online Profile").wait_for()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    user = User.objects.get(email="ana.ruiz@examplehealth.org")
    assert SocialAccount.objects.filter(user=user, provider="example-health").exists()
    assert EmailAddress.objects.get(user=user).verified  # the provider vouched for it
    assert not user.has_usable_password()
    assert page.get_by_label("First Name").input_value() == "Ana"
    assert page.get_by_label("Last Name").input_value() == "Ruiz"
    page.get_by_label("RN (Registered Nurse)").check()
    page.locator("#id_specialty").select_option(label="Nursing")
    page.locator("#id_address1").fill("1 Main Street")
    page.get_by_label("City").fill("Livonia")
    page.locator("#id_state").select_option("MI")
    page.get_by_label("Zip").fill("48154")
    page.get_by_label("Phone").fill("734 555 0188")
    page.get_by_label("Status").select_option(label="Practicing / active")
    page.get_by_label("License Number").fill("RN1234")
    page.get_by_role("button", name="Save Profile").click()
    page.wait_for_url(f"{live_server.url}/")
    assert LearnerProfile.objects.filter(user=user, last_name="Ruiz").exists()

    # Signing out and in again through the provider reuses the same account.
    page.context.clear_cookies()
    sign_in_at_the_provider(page, live_server, username="ana")
    page.wait_for_url(f"{live_server.url}/")
    assert User.objects.filter(email__iexact="ana.ruiz@examplehealth.org").count() == 1


def test_an_existing_account_is_linked_by_the_providers_verified_email(
    page: Any, live_server: Any
) -> None:
    existing = LearnerProfileFactory(user=UserFactory(email="bo@example.org"), last_name="Chen")
    sign_in_at_the_provider(page, live_server, username="bo")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="My transcript").is_visible()
    assert User.objects.filter(email__iexact="bo@example.org").count() == 1
    assert SocialAccount.objects.get(provider="example-health").user == existing.user
    existing.user.refresh_from_db()
    assert existing.user.has_usable_password()  # a verified local address keeps its password


def test_an_unverified_provider_email_links_to_nothing(page: Any, live_server: Any) -> None:
    existing = UserFactory(email="cy@example.org")
    sign_in_at_the_provider(page, live_server, username="unverified-cy")
    # Not signed in to the existing account and nothing linked; as with an email sign-up for a
    # taken address (ACCOUNT_PREVENT_ENUMERATION), the page says only "check your email"
    # and the address's owner is told by email that someone tried.
    page.get_by_role("heading", name="Check your email").wait_for()
    assert page.get_by_role("link", name="Sign in").first.is_visible()
    assert not SocialAccount.objects.filter(user=existing).exists()
    assert User.objects.filter(email__iexact="cy@example.org").count() == 1
    assert mail.outbox[-1].to == ["cy@example.org"]
    assert_accessible(page)


def test_staff_signing_in_with_sso_land_in_the_console(page: Any, live_server: Any) -> None:
    membership = StaffMembershipFactory(user=UserFactory(email="dee@examplehealth.org"))
    sign_in_at_the_provider(page, live_server, username="dee")
    page.wait_for_url(f"{live_server.url}/console/{membership.publisher.code}/")
    assert not LearnerProfile.objects.filter(user=membership.user).exists()
    assert_accessible(page)
