"""Background work for exports: a thin wrapper so the worker runs the service."""

from django.tasks import task

from celedger.reporting.services import export_run


@task()
def export_job_run(job_id: int) -> None:
    export_run(job_id=job_id)
