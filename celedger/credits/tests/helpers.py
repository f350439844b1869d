"""Builders for credit tests: activities with real reference credit types."""

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from celedger.accreditation.models import Board, CreditType
from celedger.activities.models import Activity, CreditDesignation
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
    _event_id,
)
from celedger.profiles.models import BoardCertification
from celedger.profiles.tests.factories import LearnerProfileFactory


def designate(activity: Any, code: str, hours: str = "1.50", **extra: Any) -> CreditDesignation:
    return CreditDesignationFactory(
        activity=activity,
        credit_type=CreditType.objects.get(code=code),
        max_hours=Decimal(hours),
        **extra,
    )


def activity_with(*codes: str, hours: str = "1.50", **activity_kwargs: Any) -> Any:
    """An activity with one live session (started 2 h ago) designating `codes`."""
    activity = ActivityFactory(**activity_kwargs)
    for code in codes:
        uan = ""
        if code == "acpe-p":
            uan = "0123-0000-26-001-L01-P"
        elif code == "acpe-t":
            uan = "0123-0000-26-001-L01-T"
        designate(activity, code, hours, uan=uan)
    session = SessionFactory(activity=activity)
    return session


def learner(*credentials: str, **kwargs: Any) -> Any:
    """A profile (and verified user) with the given credentials, MD by default."""
    credentials = credentials or ("MD",)
    return LearnerProfileFactory(
        credential_list=credentials, credentials=list(credentials), **kwargs
    )


def diplomate(profile: Any, board_code: str, *, consented: bool) -> BoardCertification:
    return BoardCertification.objects.create(
        profile=profile,
        board=Board.objects.get(code=board_code),
        diplomate_id="123456",
        consented_at=timezone.now() if consented else None,
    )


def hours_for(session: Any, code: str, hours: str | None = None) -> dict[int, Decimal]:
    designation = CreditDesignation.objects.get(activity=session.activity, credit_type__code=code)
    return {designation.pk: hours if hours else designation.max_hours}  # type: ignore[dict-item]


def claim_in_full(profile: Any, session: Any, code: str = "ama-pra-1") -> None:
    """The learner claims the session's `code` credit in full, attested."""
    from celedger.credits.services import claim_submit

    claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, code),
        attested=True,
    )


def ago(**kwargs: Any) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def conference(
    *codes: str,
    maximum: str = "6.50",
    amounts: tuple[str, ...] = ("1.00", "1.50", "1.00", "1.25", "1.50", "1.25"),
    **activity_kwargs: Any,
) -> Any:
    """A two-day conference whose sessions (all started) carry `amounts`, designating
    `codes` (AMA PRA by default) for `maximum`."""
    activity = ActivityFactory(
        structure="conference",
        starts_on=timezone.localdate() - datetime.timedelta(days=1),
        event_id=_event_id(500_000 + Activity.objects.count()),
        **activity_kwargs,
    )
    for code in codes or ("ama-pra-1",):
        uan = {"acpe-p": "0123-0000-26-001-L01-P", "acpe-t": "0123-0000-26-001-L01-T"}
        designate(activity, code, maximum, uan=uan.get(code, ""))
    # Day one: three sessions two hours apart; day two: the rest, the last begun 2 h ago.
    start = timezone.now() - datetime.timedelta(days=1, hours=6)
    for n, amount in enumerate(amounts):
        day = start + datetime.timedelta(hours=2 * n if n < 3 else 24 + 2 * (n - 3))
        SessionFactory(
            activity=activity,
            starts_at=day,
            ends_at=day + datetime.timedelta(hours=1, minutes=30),
            topic=f"Session {n + 1}",
            credit_hours=Decimal(amount),
        )
    return activity


def grand_rounds() -> tuple[Any, Any]:
    """Two weeks of a series designating 1 AMA PRA credit: last week's session
    ("Hyponatremia") and today's ("Heart failure update", started 2 h ago)."""
    today = activity_with(
        "ama-pra-1", hours="1.00", format="rss", structure="series", title="Medicine Grand Rounds"
    )
    today.topic = "Heart failure update"
    today.save()
    last_week = SessionFactory(
        activity=today.activity,
        starts_at=today.starts_at - datetime.timedelta(days=7),
        ends_at=today.ends_at - datetime.timedelta(days=7),
        topic="Hyponatremia",
    )
    return last_week, today


def claim_form_of(page: Any) -> Any:
    """The claim form a claim page's GET showed: the page renders its fields' markup from
    the cache (`claim_fields_html`) and builds no form, so build it as that markup was."""
    from celedger.credits.forms import ClaimForm

    return ClaimForm(state=page.context["state"])
