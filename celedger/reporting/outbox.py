"""Outbox handlers for reporting: build an export (long: commits as it goes), recompute a
learner's records after their profile or an activity's PARS data changed."""

from typing import Any

from celedger.core.outbox import outbox_handler
from celedger.reporting.records import records_recompute, records_recompute_for_learner
from celedger.reporting.services import export_run


@outbox_handler("reporting.export_run", atomic=False)
def export_run_deliver(payload: dict[str, Any]) -> None:
    export_run(job_id=payload["job_id"])


@outbox_handler("reporting.records_recompute")
def records_recompute_deliver(payload: dict[str, Any]) -> None:
    records_recompute(learner_id=payload["learner_id"], activity_id=payload["activity_id"])


@outbox_handler("reporting.learner_recheck")
def learner_recheck_deliver(payload: dict[str, Any]) -> None:
    records_recompute_for_learner(learner_id=payload["learner_id"])
