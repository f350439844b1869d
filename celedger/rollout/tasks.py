"""Background work for rollout: thin wrappers so the worker runs the services."""

from django.core.mail import EmailMessage
from django.tasks import task


@task()
def email_send(to: list[str], subject: str, body: str) -> None:
    EmailMessage(subject=subject, body=body, to=to).send()


@task()
def import_job_run(job_id: int) -> None:
    from celedger.rollout.services import import_run

    import_run(job_id=job_id)
