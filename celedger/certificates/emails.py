"""The certificate emails, in one place so they move to the outbox in one line
(TEAM.md interface 2)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from celedger.certificates.models import Certificate
from celedger.certificates.services import certificate_pdf_bytes
from celedger.core.outbox import safe_subject


def certificate_email_send(*, certificate: Certificate, revoked: bool) -> None:
    """Email the learner their current version (with what changed) or the withdrawal."""
    activity = certificate.activity
    current = certificate.versions.order_by("-version").first()
    session = certificate.session if certificate.session_id else None
    # A series session's certificate names its session in the subject and the text.
    what = activity.title
    if session is not None:
        day = session.starts_at.astimezone(activity.publisher.zone).date()
        topic = session.topic or session.event_id
        what = f"{activity.title} — {topic}, {day:%B} {day.day}, {day.year}"
    context = {
        "certificate": certificate,
        "activity": activity,
        "session": session,
        "what": what,
        "version": current,
        "site_url": settings.SITE_URL,
    }
    if revoked:
        EmailMessage(
            subject=safe_subject(
                f"[{settings.SITE_NAME}] {activity.publisher.name} · Certificate withdrawn: {what}"
            ),
            body=render_to_string("certificates/email_revoked.txt", context),
            to=[certificate.learner.email],
        ).send()
        return
    updated = certificate.version > 1
    subject = f"[{settings.SITE_NAME}] {activity.publisher.name} · " + (
        f"Your updated certificate (version {certificate.version}): {what}"
        if updated
        else f"Your certificate: {what}"
    )
    message = EmailMessage(
        subject=safe_subject(subject),
        body=render_to_string("certificates/email.txt", context),
        to=[certificate.learner.email],
    )
    message.attach(
        f"certificate-{certificate.number}-v{certificate.version}.pdf",
        certificate_pdf_bytes(certificate=certificate),
        "application/pdf",
    )
    message.send()
