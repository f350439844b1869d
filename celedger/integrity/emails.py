"""Every email of the integrity app, one function each, recorded in the outbox (TEAM.md
interface 2): call them inside the writing transaction; the worker delivers them."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from celedger.core.outbox import outbox_email
from celedger.integrity.models import ContentRole, Disclosure


def disclosure_request_send(*, content_role: ContentRole) -> None:
    """Ask a person in control of content for their disclosure, with their personal link."""
    activity = content_role.activity
    publisher = activity.publisher
    inviter = content_role.invited_by
    context = {
        "role": content_role,
        "activity": activity,
        "publisher": publisher,
        "inviter": (inviter.get_full_name() or inviter.email) if inviter else publisher.name,
        "link": settings.SITE_URL + reverse("integrity:invitation", args=[content_role.token]),
        "site_name": settings.SITE_NAME,
    }
    with timezone.override(publisher.time_zone):
        body = render_to_string("integrity/email/request.txt", context)
    outbox_email(
        to=[content_role.email],
        subject=f"[{settings.SITE_NAME}] {publisher.name} · Disclosure of financial "
        "relationships for "
        f"“{activity.title}”",
        body=body,
    )


def disclosure_reminder_send(*, disclosure: Disclosure) -> None:
    """Tell a person their disclosure to a publisher expires soon, with the renewal link."""
    publisher = disclosure.publisher
    context = {
        "disclosure": disclosure,
        "publisher": publisher,
        "link": settings.SITE_URL + reverse("integrity:disclose", args=[publisher.code]),
        "site_name": settings.SITE_NAME,
    }
    body = render_to_string("integrity/email/reminder.txt", context)
    outbox_email(
        to=[disclosure.person.email],
        subject=f"[{settings.SITE_NAME}] Your disclosure to {publisher.name} expires on "
        f"{disclosure.valid_until:%B} {disclosure.valid_until.day}",
        body=body,
        dedupe_key=f"integrity.reminder.{disclosure.pk}",
    )
