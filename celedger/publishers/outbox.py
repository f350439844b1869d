"""Outbox handlers for publishers: the staff invitation email."""

from typing import Any

from celedger.core.outbox import outbox_handler
from celedger.publishers.tasks import invitation_email_send


@outbox_handler("publishers.invitation_email")
def invitation_email_deliver(payload: dict[str, Any]) -> None:
    invitation_email_send.call(payload["invitation_id"])
