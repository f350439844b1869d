import socket
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from celedger.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings: Any) -> Any:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 10},
        }
    }
    yield inbox
    controller.stop()


def test_it_sends_a_reset_email_through_a_real_smtp_server(client: Any, smtp_inbox: Any) -> None:
    user = UserFactory(email="reset.me@example.org")
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["To"] == "reset.me@example.org"
    assert "Password Reset" in message["Subject"]
    body = message.get_payload(decode=True) if not message.is_multipart() else None
    text = (body or message.get_payload(0).get_payload(decode=True)).decode()
    assert "/accounts/password/reset/key/" in text
