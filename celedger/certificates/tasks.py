"""Background work for certificates: re-issue after claims change, email each version once.

Delivered by the outbox (`certificates/outbox.py`), which retries it on failure."""

from django.contrib.auth import get_user_model
from django.tasks import task

from celedger.activities.models import Activity
from celedger.certificates.emails import certificate_email_send
from celedger.certificates.models import Certificate
from celedger.certificates.services import certificates_refresh


@task()
def certificate_refresh_and_email(learner_id: int, activity_id: int) -> None:
    """Bring the learner's certificates for the activity (one, or one per series session)
    in line with the claims; email the learner each new version (saying what changed), or
    tell them once when a certificate was withdrawn."""
    learner = get_user_model().objects.filter(pk=learner_id).first()
    activity = Activity.objects.select_related("publisher").filter(pk=activity_id).first()
    if learner is None or activity is None:
        return
    was_revoked = set(
        Certificate.objects.filter(
            learner=learner, activity=activity, revoked_at__isnull=False
        ).values_list("pk", flat=True)
    )
    for certificate in certificates_refresh(learner=learner, activity=activity):
        if certificate.revoked_at is not None:
            if certificate.pk not in was_revoked:
                certificate_email_send(certificate=certificate, revoked=True)
            continue
        if certificate.version > certificate.emailed_version:
            # Marked first: a failed send is retried by the task, never sent twice by a race.
            marked = Certificate.objects.filter(
                pk=certificate.pk, emailed_version__lt=certificate.version
            ).update(emailed_version=certificate.version)
            if marked:
                certificate_email_send(certificate=certificate, revoked=False)
