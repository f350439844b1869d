"""Shared steps for Playwright tests against pytest-django's live_server."""

from typing import Any

PHONE_VIEWPORT = {"width": 375, "height": 740}


def sign_in(page: Any, live_server: Any, *, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").first.fill(email)
    page.get_by_label("Password").first.fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
