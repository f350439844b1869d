"""Background work: exports and record recomputes, thin wrappers around services."""

from django.tasks import task

from celedger.reporting.records import records_recompute, records_recompute_for_learner
from celedger.reporting.services import export_run


@task()
def export_job_run(job_id: int) -> None:
    export_run(job_id=job_id)


@task()
def reporting_records_recompute(learner_id: int, activity_id: int) -> None:
    records_recompute(learner_id=learner_id, activity_id=activity_id)


@task()
def reporting_learner_recheck(learner_id: int) -> None:
    records_recompute_for_learner(learner_id=learner_id)
