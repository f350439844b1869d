"""Outbox handlers for reporting: build an export (long: commits as it goes)."""

from typing import Any

from celedger.core.outbox import outbox_handler
from celedger.reporting.services import export_run


@outbox_handler("reporting.export_run", atomic=False)
def export_run_deliver(payload: dict[str, Any]) -> None:
    export_run(job_id=payload["job_id"])
