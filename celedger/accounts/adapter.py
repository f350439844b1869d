from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from celedger.profiles.selectors import profile_for_user


class AccountAdapter(DefaultAccountAdapter):
    """CE Ledger's allauth adapter: a signed-in user without a profile completes it first."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        url = super().get_login_redirect_url(request)
        if profile_for_user(user=request.user) is None:
            return f"{reverse('profiles:edit')}?{urlencode({'next': url})}"
        return url
