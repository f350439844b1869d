"""Outbox handlers for certificates."""

from typing import Any

from celedger.certificates.tasks import certificate_refresh_and_email
from celedger.core.outbox import outbox_handler


@outbox_handler("certificates.refresh_and_email", urgent=True)
def certificate_refresh_deliver(payload: dict[str, Any]) -> None:
    certificate_refresh_and_email.call(payload["learner_id"], payload["activity_id"])
