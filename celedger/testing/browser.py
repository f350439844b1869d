"""Shared steps for Playwright tests against pytest-django's live_server."""

import re
from typing import Any

from django.core import mail
from django.test import Client

PHONE_VIEWPORT = {"width": 375, "height": 740}
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
CONFIRM_LINK_AS_SENT = re.compile(r"https?://\S+/accounts/confirm-email/\S+")


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


def email_confirmation_path(email: str, *, with_query: bool = False) -> str:
    """The path of the newest email-confirmation link sent to `email` (`with_query`: as the
    learner clicks it, with the `next` it carries)."""
    bodies = [str(m.body) for m in mail.outbox if email in m.to]
    assert bodies, f"no email to {email}"
    link = (CONFIRM_LINK_AS_SENT if with_query else CONFIRM_LINK).search(bodies[-1])
    assert link, bodies[-1]
    return "/accounts/" + link.group(0).split("/accounts/", 1)[1]


def no_horizontal_scroll(page: Any) -> bool:
    # After a click, the new page's heading can be visible before its stylesheet has
    # loaded (seen once under a loaded CI run): measure the styled layout.
    page.wait_for_load_state("load")
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def sign_up_the_guides_way(
    page: Any,
    live_server: Any,
    *,
    email: str,
    last_name: str,
    phone: str,
    first_name: str,
    credential: str,
    specialty: str,
    license_number: str,
    password: str = "a long passphrase 9041",
    confirm: bool = True,
) -> None:
    """From a page with a "Create account" link: email → CREATE ACCOUNT → last name + phone
    (no match) → CONTINUE → Online Profile → Save Profile → confirm the emailed link (unless
    `confirm` is False: the caller opens it, e.g. on another device)."""
    page.get_by_role("link", name="Create account").first.click()
    page.locator("#id_email").fill(email)
    page.get_by_role("button", name="CREATE ACCOUNT").click()
    page.locator("#id_last_name").fill(last_name)
    page.locator("#id_phone").fill(phone)
    page.get_by_role("button", name="SUBMIT").click()
    page.get_by_role("link", name="CONTINUE").click()
    page.locator("#id_email2").fill(email)
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.locator("#id_first_name").fill(first_name)
    page.get_by_label(re.compile(rf"^{re.escape(credential)} \(")).check()
    page.locator("#id_specialty").select_option(label=specialty)
    page.locator("#id_address1").fill("1 Main Street")
    page.locator("#id_city").fill("Livonia")
    page.locator("#id_state").select_option("MI")
    page.locator("#id_postal_code").fill("48154")
    page.locator("#id_status").select_option("practicing")
    page.locator("#id_license_number").fill(license_number)
    page.get_by_role("button", name="Save Profile").click()
    page.wait_for_load_state()
    if not confirm:
        return
    page.goto(live_server.url + email_confirmation_path(email))
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
