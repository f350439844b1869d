"""Reads for claims, transcripts and rosters; every lookup is scoped to who may see it."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from celedger.activities.event_ids import normalize_event_id
from celedger.activities.models import Activity, Attendance, CreditDesignation, Session
from celedger.credits.models import Claim
from celedger.profiles.models import LearnerProfile
from celedger.publishers.models import Publisher

DEFAULT_CLAIM_DAYS = 30


def claim_window(*, session: Session) -> tuple[datetime.datetime, datetime.datetime]:
    """When claiming is open: the activity's explicit window, else session start to 30 days
    after its end."""
    try:
        from celedger.activities import services as activity_services
    except ImportError:  # pragma: no cover - the activities helper ships it
        activity_services = None  # type: ignore[assignment]
    if activity_services is not None and hasattr(activity_services, "claim_window"):
        opens, closes = activity_services.claim_window(session=session)
        return opens, closes
    activity = session.activity
    opens_at = activity.claim_opens_at or session.starts_at
    closes_at = activity.claim_closes_at or (
        session.ends_at + datetime.timedelta(days=DEFAULT_CLAIM_DAYS)
    )
    return opens_at, closes_at


def claim_window_state(*, session: Session, now: datetime.datetime) -> str:
    """'open', 'not_yet' or 'closed'; both edges are inclusive of opening, exclusive of close."""
    opens_at, closes_at = claim_window(session=session)
    if now < opens_at:
        return "not_yet"
    if now >= closes_at:
        return "closed"
    return "open"


def publisher_zone(publisher: Publisher) -> ZoneInfo:
    try:
        return ZoneInfo(publisher.time_zone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def session_get_for_claim(*, event_id: str) -> Session:
    """The published session a learner may claim for, by its Event ID; 404 otherwise."""
    code = normalize_event_id(event_id)
    return get_object_or_404(
        Session.objects.select_related("activity__publisher"),
        event_id=code,
        activity__status__in=[Activity.Status.PUBLISHED, Activity.Status.CLOSED],
    )


def designations_for_activity(*, activity: Activity) -> list[CreditDesignation]:
    return list(
        CreditDesignation.objects.filter(activity=activity)
        .select_related("credit_type__board")
        .prefetch_related("credit_type__professions")
    )


def claims_active_for(*, learner: Any, session: Session) -> list[Claim]:
    return list(
        Claim.objects.filter(learner=learner, session=session, status=Claim.Status.ACTIVE)
        .select_related("designation__credit_type")
        .order_by("designation__credit_type__sort_order")
    )


def profile_for_eligibility(*, user: Any) -> LearnerProfile | None:
    return (
        LearnerProfile.objects.filter(user=user)
        .select_related("profession")
        .prefetch_related("credentials", "board_certifications")
        .first()
    )


# Transcript -----------------------------------------------------------------------


@dataclass
class TranscriptFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    credit_type: str = ""
    publisher: str = ""


@dataclass
class Transcript:
    claims: list[Claim]
    totals: list[tuple[str, str, Decimal]]  # (credit type name, unit, hours)
    credit_types: list[tuple[str, str]] = field(default_factory=list)
    publishers: list[tuple[str, str]] = field(default_factory=list)


def transcript_for(*, learner: Any, filters: TranscriptFilters | None = None) -> Transcript:
    """Every active claim of `learner`, newest first, with totals per credit type.

    Queries: claims with their session, activity, publisher and credit type (1), the
    credit types and publishers the learner has claims with, for the filters (2).
    """
    filters = filters or TranscriptFilters()
    base: QuerySet[Claim] = Claim.objects.filter(learner=learner, status=Claim.Status.ACTIVE)
    claims_qs = base.select_related(
        "session__activity__publisher", "designation__credit_type"
    ).order_by("-session__starts_at", "-created_at", "-id")
    if filters.date_from:
        claims_qs = claims_qs.filter(session__starts_at__date__gte=filters.date_from)
    if filters.date_to:
        claims_qs = claims_qs.filter(session__starts_at__date__lte=filters.date_to)
    if filters.credit_type:
        claims_qs = claims_qs.filter(designation__credit_type__code=filters.credit_type)
    if filters.publisher:
        claims_qs = claims_qs.filter(session__activity__publisher__code=filters.publisher)
    claims = list(claims_qs)

    sums: dict[int, Decimal] = defaultdict(Decimal)
    names: dict[int, tuple[int, str, str]] = {}
    for claim in claims:
        ct = claim.designation.credit_type
        sums[ct.pk] += claim.hours
        names[ct.pk] = (ct.sort_order, ct.name, ct.unit)
    totals = [
        (names[pk][1], names[pk][2], sums[pk]) for pk in sorted(sums, key=lambda k: names[k][:2])
    ]
    credit_types = list(
        base.order_by("designation__credit_type__sort_order", "designation__credit_type__name")
        .values_list("designation__credit_type__code", "designation__credit_type__name")
        .distinct()
    )
    publishers = list(
        base.order_by("session__activity__publisher__name")
        .values_list("session__activity__publisher__code", "session__activity__publisher__name")
        .distinct()
    )
    return Transcript(
        claims=claims, totals=totals, credit_types=credit_types, publishers=publishers
    )


# Roster ---------------------------------------------------------------------------


def activity_get_for_staff(*, publisher: Publisher, pk: int) -> Activity:
    """The publisher's activity; another publisher's (or none) is a 404."""
    activity = Activity.objects.filter(publisher=publisher, pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def claim_get_for_staff(*, publisher: Publisher, pk: int) -> Claim:
    claim = (
        Claim.objects.select_related(
            "learner", "session__activity", "designation__credit_type", "awarded_by"
        )
        .filter(pk=pk, session__activity__publisher=publisher)
        .first()
    )
    if claim is None:
        raise Http404
    return claim


@dataclass
class RosterRow:
    session: Session
    learner_id: int
    email: str
    name: str
    profession: str
    attended: bool
    evaluated: bool
    claims: list[Claim]

    @property
    def hours_total(self) -> Decimal:
        return sum((c.hours for c in self.claims), Decimal("0"))


@dataclass
class Roster:
    activity: Activity
    sessions: list[Session]
    rows: list[RosterRow]


def roster_for(*, activity: Activity, session_id: int | None = None) -> Roster:
    """One row per learner and session who attended, evaluated or claimed.

    Queries (constant in the number of learners): sessions (1), attendances (1),
    evaluation responses (1), active claims with credit types (1), learners with their
    profile and profession (1).
    """
    from celedger.evaluations.models import Response

    sessions = list(Session.objects.filter(activity=activity).order_by("starts_at"))
    chosen = [s for s in sessions if session_id is None or s.pk == session_id]
    chosen_ids = [s.pk for s in chosen]
    attended = set(
        Attendance.objects.filter(session_id__in=chosen_ids).values_list(
            "session_id", "learner_id"
        )
    )
    # A response may be for one session or for the whole activity (session empty).
    evaluated_pairs: set[tuple[int | None, int]] = set(
        Response.objects.filter(activity=activity).values_list("session_id", "learner_id")
    )
    claims = list(
        Claim.objects.filter(session_id__in=chosen_ids, status=Claim.Status.ACTIVE)
        .select_related("designation__credit_type")
        .order_by("designation__credit_type__sort_order")
    )
    claims_by_key: dict[tuple[int, int], list[Claim]] = defaultdict(list)
    for claim in claims:
        claims_by_key[(claim.session_id, claim.learner_id)].append(claim)

    keys = set(attended) | set(claims_by_key)
    for sid, lid in evaluated_pairs:
        if sid is None:
            keys.update((s, lid) for s in chosen_ids if (s, lid) in attended)
        elif sid in chosen_ids:
            keys.add((sid, lid))
    learner_ids = {lid for _, lid in keys}
    from django.contrib.auth import get_user_model

    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=learner_ids)
        .select_related("profile__profession")
    }
    by_id = {s.pk: s for s in chosen}
    rows = []
    for sid, lid in keys:
        user = users.get(lid)
        if user is None:
            continue
        profile = getattr(user, "profile", None)
        rows.append(
            RosterRow(
                session=by_id[sid],
                learner_id=lid,
                email=user.email,
                name=f"{profile.last_name}, {profile.first_name}" if profile else "",
                profession=profile.profession.name if profile else "",
                attended=(sid, lid) in attended,
                evaluated=(sid, lid) in evaluated_pairs or (None, lid) in evaluated_pairs,
                claims=claims_by_key.get((sid, lid), []),
            )
        )
    rows.sort(key=lambda r: (r.session.starts_at, r.name.casefold(), r.email))
    return Roster(activity=activity, sessions=sessions, rows=rows)


def claim_history(*, claim: Claim) -> QuerySet[Any]:
    from celedger.core.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type=claim._meta.label_lower, object_id=str(claim.pk)
    ).select_related("actor")
