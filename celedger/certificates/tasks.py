"""Background work for certificates: refresh the PDF after claims change, email it.

Delivered by the outbox (`certificates/outbox.py`), which retries it on failure."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string

from celedger.activities.models import Activity
from celedger.certificates.models import Certificate
from celedger.certificates.services import certificate_issue, certificate_pdf_bytes
from celedger.core.outbox import safe_subject


@task()
def certificate_refresh_and_email(learner_id: int, activity_id: int) -> None:
    """Bring the certificate in line with the claims; email the learner a valid one, or
    tell them once when their certificate was withdrawn."""
    learner = get_user_model().objects.filter(pk=learner_id).first()
    activity = Activity.objects.select_related("publisher").filter(pk=activity_id).first()
    if learner is None or activity is None:
        return
    was_revoked = Certificate.objects.filter(
        learner=learner, activity=activity, revoked_at__isnull=False
    ).exists()
    certificate = certificate_issue(learner=learner, activity=activity)
    if certificate is None:
        return
    context = {"certificate": certificate, "activity": activity, "site_url": settings.SITE_URL}
    if certificate.revoked_at is not None:
        if not was_revoked:
            EmailMessage(
                subject=safe_subject(
                    f"[{settings.SITE_NAME}] Certificate withdrawn: {activity.title}"
                ),
                body=render_to_string("certificates/email_revoked.txt", context),
                to=[learner.email],
            ).send()
        return
    message = EmailMessage(
        subject=safe_subject(f"[{settings.SITE_NAME}] Your certificate: {activity.title}"),
        body=render_to_string("certificates/email.txt", context),
        to=[learner.email],
    )
    message.attach(
        f"certificate-{certificate.number}.pdf",
        certificate_pdf_bytes(certificate=certificate),
        "application/pdf",
    )
    message.send()
