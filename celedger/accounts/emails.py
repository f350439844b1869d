"""Emails of the accounts app (one function each, so they can move to the outbox at once)."""

from allauth.account.adapter import get_adapter
from django.http import HttpRequest


def step_up_code_send(*, request: HttpRequest, email: str, code: str) -> None:
    """The code that lets a sign-up through when its network's allowance is used up."""
    get_adapter(request).send_mail("account/email/signup_check_code", email, {"code": code})
