from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.csp import CSP

from celedger.accounts.sso import sso_apps, sso_form_action_origins


class SsoFormActionMiddleware:
    """Lets the sign-in pages' SSO forms redirect to the configured identity providers.

    Only HTML pages under /accounts/ (the sign-in page, allauth's provider pages) widen
    `form-action`; every other page keeps SECURE_CSP as it is. Listed after Django's CSP
    middleware so it runs before that middleware writes the header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.path.startswith("/accounts/")
            and response.get("Content-Type", "").startswith("text/html")
            and not hasattr(response, "_csp_config")
        ):
            origins = sso_form_action_origins(apps=sso_apps(request=request))
            if origins:
                config = dict(settings.SECURE_CSP)
                config["form-action"] = [CSP.SELF, *origins]
                response._csp_config = config  # type: ignore[attr-defined]
        return response
