"""SAML 2.0 single sign-on in a real browser against pysaml2's identity provider, which the
test starts on loopback with its own signing key: it reads CE Ledger's SP metadata from
allauth's metadata endpoint, and posts a signed Response to allauth's ACS."""

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.apps import apps as django_apps

from celedger.accounts.models import User
from celedger.accounts.tests.factories import UserFactory
from celedger.accreditation.reference import load_reference_data
from celedger.testing.axe import assert_accessible
from celedger.testing.saml_idp import SamlIdentityProvider, saml_identity_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLUG = "example-saml"
USERS = {
    "eve": {
        "uid": "E1001",
        "mail": "eve.nurse@examplehealth.org",
        "givenName": "Eve",
        "sn": "Nurse",
    },
    "fay": {"uid": "E1002", "mail": "fay@example.org", "givenName": "Fay", "sn": "Kim"},
}


@pytest.fixture(scope="module")
def saml_idp(live_server: Any) -> Iterator[SamlIdentityProvider]:
    metadata_url = f"{live_server.url}/accounts/saml/{SLUG}/metadata/"
    with saml_identity_provider(sp_metadata_url=metadata_url, users=USERS) as idp:
        yield idp


@pytest.fixture(autouse=True)
def saml_app(saml_idp: SamlIdentityProvider) -> SocialApp:
    load_reference_data(django_apps)
    return SocialApp.objects.create(
        provider="saml",
        provider_id=SLUG,
        client_id=SLUG,
        name="Example Health (SAML)",
        settings={
            # pysaml2 sends attributes by their OID names, as many IdPs do (README lists them).
            "attribute_mapping": {
                "uid": "urn:oid:0.9.2342.19200300.100.1.1",
                "email": "urn:oid:0.9.2342.19200300.100.1.3",
                "first_name": "urn:oid:2.5.4.42",
                "last_name": "urn:oid:2.5.4.4",
            },
            # This IdP controls examplehealth.org and example.org addresses: trust them.
            "verified_email": ["examplehealth.org", "example.org"],
            "idp": {
                "entity_id": saml_idp.entity_id,
                "sso_url": saml_idp.sso_url,
                "x509cert": saml_idp.x509cert,
            },
            "advanced": {
                "want_assertion_signed": True,
                "want_message_signed": True,
                "allow_single_label_domains": True,  # the test server is http://localhost
                "reject_idp_initiated_sso": True,
            },
        },
    )


def sign_in_with_saml(page: Any, live_server: Any, *, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Example Health (SAML)").click()
    page.get_by_role("heading", name="Example Health SAML sign-in").wait_for()
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Continue to CE Ledger").click()
    page.wait_for_url(f"{live_server.url}/**")


def test_a_new_clinician_signs_in_with_saml_and_is_asked_for_the_profile(
    page: Any, live_server: Any
) -> None:
    sign_in_with_saml(page, live_server, username="eve")
    page.get_by_role("heading", name="Online Profile").wait_for()
    user = User.objects.get(email="eve.nurse@examplehealth.org")
    assert SocialAccount.objects.get(user=user, provider=SLUG).uid == "E1001"
    assert EmailAddress.objects.get(user=user).verified
    assert page.get_by_label("First Name").input_value() == "Eve"
    assert_accessible(page)


def test_saml_links_an_existing_account_by_a_trusted_email(page: Any, live_server: Any) -> None:
    existing = UserFactory(email="fay@example.org")
    sign_in_with_saml(page, live_server, username="fay")
    page.get_by_role("heading", name="Online Profile").wait_for()
    assert SocialAccount.objects.get(provider=SLUG).user == existing
    assert User.objects.filter(email__iexact="fay@example.org").count() == 1
