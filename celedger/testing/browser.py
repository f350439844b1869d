"""Shared steps for Playwright tests against pytest-django's live_server."""

import re
from typing import Any

from django.core import mail
from django.test import Client

PHONE_VIEWPORT = {"width": 375, "height": 740}
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


def sign_in(page: Any, live_server: Any, *, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").first.fill(email)
    page.get_by_label("Password").first.fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def sign_in_as(page: Any, live_server: Any, user: Any) -> None:
    """A signed-in browser without the sign-in page (which the accounts tests walk)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
    )


def email_confirmation_path(email: str) -> str:
    """The path of the newest email-confirmation link sent to `email`."""
    bodies = [str(m.body) for m in mail.outbox if email in m.to]
    assert bodies, f"no email to {email}"
    link = CONFIRM_LINK.search(bodies[-1])
    assert link, bodies[-1]
    return "/accounts/" + link.group(0).split("/accounts/", 1)[1]


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
