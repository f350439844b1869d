"""Outbox handlers for rollout: running an import (long: commits row by row)."""

from typing import Any

from celedger.core.outbox import outbox_handler
from celedger.rollout.services import import_run


@outbox_handler("rollout.import_run", atomic=False)
def import_run_deliver(payload: dict[str, Any]) -> None:
    import_run(job_id=payload["job_id"])
