import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailConfirmation
from allauth.account.utils import get_next_redirect_url
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.http import HttpRequest
from django.urls import reverse

from celedger.accounts.landing import landing_url_for
from celedger.accounts.models import User
from celedger.activities.selectors import EventNotFound, session_get_public
from celedger.core.outbox import outbox_email
from celedger.profiles.selectors import profile_for_user


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's emails call `current_site`: the instance's name, not the request host
    (without django.contrib.sites they said "Hello from 127.0.0.1:8822!")."""

    name: str
    domain: str


# Where a new learner goes after confirming, for the "check your email" page to say so.
PENDING_NEXT_SESSION_KEY = "celedger_pending_next"


def site_identity() -> SiteIdentity:
    return SiteIdentity(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


PROGRAM_PATH = re.compile(r"^/e/(?P<event_id>[^/]+)/")


def program_publisher_name(request: HttpRequest | None) -> str:
    """The publisher of the program a learner signs up from (the `next` is its page), for
    the account email to name beside the site; "" elsewhere or for an unknown Event ID."""
    target = get_next_redirect_url(request) if request is not None else None
    found = PROGRAM_PATH.match(target or "")
    if not found:
        return ""
    try:
        session = session_get_public(event_id=found["event_id"])
    except EventNotFound:
        return ""
    return session.activity.publisher.name


class AccountAdapter(DefaultAccountAdapter):
    """CE Ledger's allauth adapter: staff land in the console; a learner without a profile
    completes it first. An explicit `next` always wins (allauth follows it before asking)."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        assert isinstance(user, User)
        landing = landing_url_for(user=user)
        if landing:
            # Staff who only use the console are not asked for a learner profile; claiming
            # credit asks for it (profile_required).
            return landing
        url = super().get_login_redirect_url(request)
        if profile_for_user(user=user) is None:
            return f"{reverse('profiles:edit')}?{urlencode({'next': url})}"
        return url

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # A just-in-time SSO account has no profile yet: the same landing as a sign-in.
        return self.get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render allauth's email now, send it through the outbox: sign-up confirmation,
        password reset and sign-in codes never make a web worker wait on SMTP; the worker
        sends them before anything else (the person is waiting for the code)."""
        request = allauth_context.request
        ctx = {"request": request, "email": email}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = ""
        if isinstance(message, EmailMultiAlternatives):
            html = next((str(c) for c, mime in message.alternatives if mime == "text/html"), "")
        outbox_email(
            to=list(message.to),
            subject=str(message.subject),
            body=str(message.body),
            html=html,
            from_email=str(message.from_email or ""),
            headers={k: str(v) for k, v in message.extra_headers.items()},
            awaited=True,
        )

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failed sign-ins count per account AND client address: five wrong passwords from
        an attacker no longer lock the owner out of their own account from their own
        device (the per-IP limit still stops one client guessing across accounts)."""
        account_key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account_key}:{self.get_client_ip(request)}"

    def get_email_confirmation_url(
        self, request: HttpRequest, emailconfirmation: EmailConfirmation
    ) -> str:
        """The link carries where the learner was going (the program they scanned), so
        confirming on another device (a phone's mail app opens its own browser) still leads
        there; the confirmation page passes `next` on."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        target = get_next_redirect_url(request) if request is not None else None
        if target:
            request.session[PENDING_NEXT_SESSION_KEY] = target
            url = f"{url}?{urlencode({'next': target})}"
        return url

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        context = {
            **context,
            "current_site": site_identity(),
            "program_publisher": program_publisher_name(context.get("request")),
        }
        return super().render_mail(template_prefix, email, context, headers)
