"""Outbox handlers for credits: tell the listeners that a learner's claims changed."""

from typing import Any

from celedger.core.outbox import outbox_handler
from celedger.credits.models import Claim
from celedger.credits.signals import claims_changed


@outbox_handler("credits.claims_changed")
def claims_changed_send(payload: dict[str, Any]) -> None:
    claims_changed.send(
        sender=Claim, learner_id=payload["learner_id"], activity_id=payload["activity_id"]
    )
