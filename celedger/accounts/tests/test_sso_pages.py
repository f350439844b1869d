"""The sign-in page's SSO choices, its Content-Security-Policy, and allauth's SAML endpoints
as configured here (metadata, ACS refusing an unsigned response)."""

import base64
from typing import Any

import pytest
from allauth.socialaccount.models import SocialApp
from django.urls import reverse

pytestmark = pytest.mark.django_db


def oidc_app(name: str = "Example Health", provider_id: str = "example-health") -> SocialApp:
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id=provider_id,
        name=name,
        client_id="ce-ledger",
        secret="s3cret",
        settings={"server_url": f"https://login.{provider_id}.org/o"},
    )


def saml_app() -> SocialApp:
    return SocialApp.objects.create(
        provider="saml",
        provider_id="mercy",
        client_id="mercy",
        name="Mercy Health",
        settings={
            "attribute_mapping": {"uid": "uid", "email": "email"},
            "idp": {
                "entity_id": "https://adfs.mercy.example/adfs/services/trust",
                "sso_url": "https://adfs.mercy.example/adfs/ls/",
                "x509cert": "MIIB",
            },
            "advanced": {"allow_single_label_domains": True},  # http://testserver
        },
    )


def test_it_shows_no_sso_section_and_keeps_the_csp_without_providers(client: Any) -> None:
    response = client.get(reverse("account_login"))
    assert "Sign in with" not in response.content.decode()
    assert "form-action 'self';" in response["Content-Security-Policy"] + ";"


def test_it_offers_a_button_per_identity_provider(
    client: Any, django_assert_max_num_queries: Any
) -> None:
    oidc_app()
    saml_app()
    # Queries: session? none (anonymous); the identity providers, once for page and CSP.
    with django_assert_max_num_queries(1):
        response = client.get(reverse("account_login"), {"next": "/e/K7QM2P/"})
    html = response.content.decode()
    assert "Sign in with Example Health" in html
    assert "Sign in with Mercy Health" in html
    oidc_url = reverse("openid_connect_login", kwargs={"provider_id": "example-health"})
    assert f'action="{oidc_url}"' in html
    assert f'action="{reverse("saml_login", kwargs={"organization_slug": "mercy"})}"' in html
    assert 'name="next" value="/e/K7QM2P/"' in html
    csp = response["Content-Security-Policy"]
    assert "form-action 'self' https://login.example-health.org https://adfs.mercy.example" in csp


def test_it_keeps_the_query_count_flat_with_more_providers(
    client: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        oidc_app(name=f"System {i}", provider_id=f"system-{i}")
    with django_assert_max_num_queries(1):
        client.get(reverse("account_login"))


def test_it_widens_form_action_only_on_the_sign_in_pages(client: Any) -> None:
    oidc_app()
    home = client.get(reverse("home"))
    assert "login.example-health.org" not in home["Content-Security-Policy"]


def test_it_serves_the_saml_sp_metadata_with_the_acs_url(client: Any) -> None:
    saml_app()
    response = client.get(reverse("saml_metadata", kwargs={"organization_slug": "mercy"}))
    assert response.status_code == 200
    xml = response.content.decode()
    assert "AssertionConsumerService" in xml
    assert "http://testserver/accounts/saml/mercy/acs/" in xml
    assert 'entityID="http://testserver/accounts/saml/mercy/metadata/"' in xml


def test_it_refuses_a_forged_unsigned_saml_response(client: Any) -> None:
    saml_app()
    forged = base64.b64encode(
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" '
        b'Version="2.0" IssueInstant="2026-12-01T00:00:00Z"><samlp:Status><samlp:StatusCode '
        b'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>'
    ).decode()
    response = client.post(
        reverse("saml_acs", kwargs={"organization_slug": "mercy"}),
        {"SAMLResponse": forged},
        HTTP_HOST="testserver",
        follow=True,
    )
    assert response.status_code < 500
    assert "_auth_user_id" not in client.session
