"""Single sign-on through allauth's own providers (OpenID Connect, SAML 2.0).

Identity providers are allauth `SocialApp` rows, added by the site operator in the admin.
What CE Ledger adds: the list for the sign-in page and the providers' origins for the
Content-Security-Policy `form-action` of the pages whose forms start an SSO sign-in (Chromium
applies `form-action` to the redirect that follows the form's POST).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialApp
from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class SsoChoice:
    provider: str  # allauth provider: "openid_connect" or "saml"
    name: str  # shown as "Sign in with <name>"
    login_url: str  # allauth's view that starts the sign-in (POST)


def _origin(url: object) -> str:
    if not isinstance(url, str):
        return ""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def _login_url(app: SocialApp) -> str:
    if app.provider == "saml":  # allauth's SAML apps are addressed by client_id
        return reverse("saml_login", kwargs={"organization_slug": app.client_id})
    return reverse("openid_connect_login", kwargs={"provider_id": app.provider_id})


def sso_apps(*, request: HttpRequest) -> list[SocialApp]:
    """The configured identity providers, read once per request (page and CSP share it)."""
    cached: list[SocialApp] | None = getattr(request, "_celedger_sso_apps", None)
    if cached is None:
        cached = list(
            SocialApp.objects.filter(provider__in=["openid_connect", "saml"]).order_by("name")
        )
        request._celedger_sso_apps = cached  # type: ignore[attr-defined]
    return cached


def sso_choices(*, apps: list[SocialApp]) -> list[SsoChoice]:
    """The sign-in page's buttons, one per configured identity provider."""
    return [
        SsoChoice(provider=app.provider, name=app.name, login_url=_login_url(app)) for app in apps
    ]


def sso_form_action_origins(*, apps: list[SocialApp]) -> list[str]:
    """Where a sign-in form's redirect may go: each provider's own origin (and any listed in
    its `form_action_origins` setting, for a provider whose sign-in page is elsewhere)."""
    origins: list[str] = []
    for app in apps:
        config = app.settings or {}
        idp = config.get("idp") or {}
        candidates = [
            config.get("server_url"),
            idp.get("sso_url"),
            idp.get("metadata_url"),
            *config.get("form_action_origins", []),
        ]
        for url in candidates:
            origin = _origin(url)
            if origin and origin not in origins:
                origins.append(origin)
    return origins
