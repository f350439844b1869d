"""Every email rollout sends, built here and recorded in the outbox (TEAM.md interface 2)
inside the caller's transaction: the outbox worker sends it, with retries."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse

from celedger.core.outbox import outbox_email

if TYPE_CHECKING:
    from celedger.accounts.models import User

OPT_OUT_SALT = "rollout.reminders.opt-out"


def _deliver(*, to: str, subject: str, body: str) -> None:
    outbox_email(to=[to], subject=f"[{settings.SITE_NAME}] {subject}", body=body)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def opt_out_link(*, user_id: int) -> str:
    token = signing.dumps(user_id, salt=OPT_OUT_SALT)
    return _absolute(reverse("rollout:opt_out", args=[token]))


def walk_in_claim_send(*, walk_in: Any, publisher: Any, awards: Sequence[Any]) -> None:
    """To a person staff created an account for: claim it, then see the credit."""
    context = {
        "walk_in": walk_in,
        "publisher": publisher,
        "awards": awards,
        "link": _absolute(reverse("rollout:welcome", args=[walk_in.token])),
        "code_link": _absolute(reverse("account_request_login_code")),
        "site_name": settings.SITE_NAME,
    }
    _deliver(
        to=walk_in.user.email,
        subject=f"{publisher.name}: your continuing education credit",
        body=render_to_string("rollout/email/walk_in.txt", context),
    )


def pending_award_send(*, award: Any, publisher: Any) -> None:
    """To an address that may already have an account: accept the credit after signing in."""
    context = {
        "award": award,
        "publisher": publisher,
        "link": _absolute(reverse("rollout:award_accept", args=[award.token])),
        "site_name": settings.SITE_NAME,
    }
    _deliver(
        to=award.learner.email,
        subject=f"{publisher.name}: credit is waiting for you",
        body=render_to_string("rollout/email/pending_award.txt", context),
    )


def claim_reminder_send(*, learner: "User", items: Sequence[Any]) -> None:
    """Attended, not claimed: the claim window closes soon (one email per learner and run)."""
    context = {
        "items": items,
        "opt_out": opt_out_link(user_id=learner.pk),
        "site_url": settings.SITE_URL,
        "site_name": settings.SITE_NAME,
    }
    publishers = sorted({item.session.activity.publisher.name for item in items})
    _deliver(
        to=learner.email,
        subject=f"{', '.join(publishers)} · Claim your credit before the window closes",
        body=render_to_string("rollout/email/claim_reminder.txt", context),
    )


def nabp_reminder_send(*, learner: "User", sessions: Sequence[Any]) -> None:
    """ACPE credit held back from CPE Monitor until the learner adds NABP ID and birthday."""
    context = {
        "sessions": sessions,
        "profile_link": _absolute(reverse("profiles:edit")),
        "opt_out": opt_out_link(user_id=learner.pk),
        "site_name": settings.SITE_NAME,
    }
    _deliver(
        to=learner.email,
        subject="Add your NABP e-Profile ID so your pharmacy credit can be reported",
        body=render_to_string("rollout/email/nabp_reminder.txt", context),
    )
