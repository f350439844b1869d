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


def _png(width: int, height: int, payload: bytes = b"\x00") -> bytes:
    """A PNG whose header says width × height (the pixel data itself stays tiny)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(payload))
        + chunk(b"IEND", b"")
    )


def _upload(content: bytes, name: str = "logo.png") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


def _settings_form(logo: Any) -> Any:
    from celedger.publishers.forms import PublisherSettingsForm
    from celedger.publishers.tests.factories import PublisherFactory

    publisher = PublisherFactory()
    data = {
        "name": publisher.name,
        "contact_email": "ce@example.org",
        "time_zone": "America/Chicago",
    }
    return PublisherSettingsForm(data, {"logo": logo}, instance=publisher)


def test_a_144_megapixel_logo_is_refused_before_it_is_decoded() -> None:
    form = _settings_form(_upload(_png(12000, 12000)))
    assert not form.is_valid()
    assert "12000 × 12000 pixels" in form.errors["logo"][0]


def test_a_logo_over_two_megabytes_is_refused() -> None:
    import os

    form = _settings_form(_upload(os.urandom(3 * 1024 * 1024)))
    assert not form.is_valid() and form.errors["logo"]


def test_a_large_logo_is_stored_resized_as_png() -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3000, 1500), "navy").save(buffer, format="JPEG")
    form = _settings_form(_upload(buffer.getvalue(), "big.jpg"))
    assert form.is_valid(), form.errors
    publisher = form.save()
    with publisher.logo.open("rb") as handle, Image.open(handle) as stored:
        assert stored.format == "PNG" and stored.size == (800, 400)


def test_a_line_break_in_an_activity_title_does_not_stop_its_certificate_email(
    mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from celedger.credits.services import claim_submit
    from celedger.credits.tests.helpers import activity_with, hours_for, learner

    session = activity_with("ama-pra-1", title="Sepsis\r\nThe First Hour")
    profile = learner("MD")
    with django_capture_on_commit_callbacks(execute=True):
        claim_submit(
            learner=profile.user,
            session=session,
            hours_by_designation=hours_for(session, "ama-pra-1", None),
            attested=True,
        )
    (sent,) = mailoutbox
    assert sent.subject.endswith("Your certificate: Sepsis The First Hour")
    assert sent.attachments
