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


def held_records_reminder_send(*, learner: "User", rows: Sequence[Any]) -> None:
    """Credit held back from CPE Monitor or a board until the learner adds what is missing
    (each record with its fixes and the profile field that takes it)."""
    fixes = list({fix.code: fix for row in rows for fix in row.fixes}.values())
    profile = _absolute(reverse("profiles:edit"))
    context = {
        "rows": rows,
        "fixes": [
            (fix.learner, f"{profile}#{fix.field}" if fix.field else profile) for fix in fixes
        ],
        "records_link": _absolute(reverse("reporting:mine")),
        "opt_out": opt_out_link(user_id=learner.pk),
        "site_name": settings.SITE_NAME,
    }
    _deliver(
        to=learner.email,
        subject="Your credit cannot be reported yet: add what is missing to your profile",
        body=render_to_string("rollout/email/held_records_reminder.txt", context),
    )
