"""Background work for publishers: the staff invitation email."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from celedger.core.outbox import safe_subject
from celedger.publishers.models import StaffInvitation


@task()
def invitation_email_send(invitation_id: int) -> None:
    """Email the invitation link; nothing if it was accepted or revoked before the worker ran."""
    invitation = (
        StaffInvitation.objects.select_related("publisher", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None:
        return
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "publisher": invitation.publisher,
        "inviter": (inviter.get_full_name() or inviter.email) if inviter else "An admin",
        "inviter_email": inviter.email if inviter else "",
        "link": settings.SITE_URL
        + reverse("publishers:invitation_accept", args=[invitation.token]),
        "site_name": settings.SITE_NAME,
    }
    with timezone.override(invitation.publisher.time_zone):
        body = render_to_string("publishers/email/invitation.txt", context)
    EmailMessage(
        subject=safe_subject(
            f"[{settings.SITE_NAME}] Join {invitation.publisher.name} as "
            f"{invitation.get_role_display().lower()}"
        ),
        body=body,
        to=[invitation.email],
    ).send()
