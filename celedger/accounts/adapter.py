from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.urls import reverse

from celedger.core.outbox import outbox_email
from celedger.profiles.selectors import profile_for_user


class AccountAdapter(DefaultAccountAdapter):
    """CE Ledger's allauth adapter: a signed-in user without a profile completes it first."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        url = super().get_login_redirect_url(request)
        if profile_for_user(user=request.user) is None:
            return f"{reverse('profiles:edit')}?{urlencode({'next': url})}"
        return url

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render allauth's email now, send it through the outbox: sign-up confirmation,
        password reset and sign-in codes never make a web worker wait on SMTP."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
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
        )

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failed sign-ins count per account AND client address: five wrong passwords from
        an attacker no longer lock the owner out of their own account from their own
        device (the per-IP limit still stops one client guessing across accounts)."""
        account_key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account_key}:{self.get_client_ip(request)}"
