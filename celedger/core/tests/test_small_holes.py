"""Smaller holes: lockout, formula-safe cells, Permissions-Policy, logo limits."""

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"


def sign_in(client: Client, email: str, password: str, ip: str) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_wrong_passwords_from_one_client_do_not_lock_the_owner_out() -> None:
    from celedger.accounts.tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    attacker = Client()
    for _ in range(6):
        sign_in(attacker, user.email, "wrong password 123", ATTACKER)
    blocked = sign_in(attacker, user.email, PASSWORD, ATTACKER)
    assert "_auth_user_id" not in attacker.session, "the guessing client stays locked out"
    assert blocked.status_code == 200

    owner = Client()
    response = sign_in(owner, user.email, PASSWORD, OWNER)
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)


def test_a_locked_out_client_can_still_ask_for_a_sign_in_code(mailoutbox: Any) -> None:
    from celedger.accounts.tests.factories import UserFactory
    from celedger.core.outbox import outbox_deliver_pending

    user = UserFactory()
    client = Client()
    for _ in range(6):
        sign_in(client, user.email, "wrong password 123", OWNER)
    response = client.post("/accounts/login/code/", {"email": user.email}, REMOTE_ADDR=OWNER)
    assert response.status_code == 302
    outbox_deliver_pending()
    assert [m.to for m in mailoutbox] == [[user.email]]


def test_every_response_carries_a_permissions_policy(client: Client) -> None:
    policy = client.get("/").headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
