from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from celedger.accounts.landing import landing_url_for
from celedger.accounts.models import User
from celedger.profiles.selectors import profile_for_user


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
