"""Outbox handlers for credits: tell the listeners that a learner's claims changed; build
a long transcript PDF."""

from typing import Any

from celedger.core.outbox import outbox_handler
from celedger.credits.models import Claim
from celedger.credits.services import transcript_pdf_build
from celedger.credits.signals import claims_changed


@outbox_handler("credits.claims_changed", urgent=True)
def claims_changed_send(payload: dict[str, Any]) -> None:
    claims_changed.send(
        sender=Claim, learner_id=payload["learner_id"], activity_id=payload["activity_id"]
    )


@outbox_handler("credits.transcript_pdf_build", atomic=False)
def transcript_pdf_build_deliver(payload: dict[str, Any]) -> None:
    transcript_pdf_build(pdf_id=payload["pdf_id"])
