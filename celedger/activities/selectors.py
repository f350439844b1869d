"""Reads for activities: staff-scoped lookups, public program pages, learner's credit."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from celedger.accreditation.selectors import profession_ids_for
from celedger.activities.event_ids import is_well_formed, normalize_event_id
from celedger.activities.models import CHECK_IN_EARLY, Activity, CreditDesignation, Session
from celedger.core.cache import cached_found, cached_reference
from celedger.profiles.selectors import credentials_prefetch
from celedger.publishers.models import Publisher
from celedger.publishers.selectors import Role, publisher_get_for_staff

Status = Activity.Status


def activity_get_for_staff(
    *, user: Any, code: str, pk: int, min_role: str = Role.VIEWER
) -> Activity:
    """The publisher's activity `pk` if `user` holds `min_role` there; else 404/403.

    Another publisher's activity is a 404 even when the user is staff elsewhere.
    """
    publisher = publisher_get_for_staff(user=user, code=code, min_role=min_role)
    activity = Activity.objects.filter(publisher=publisher, pk=pk).first()
    if activity is None:
        raise Http404
    activity.publisher = publisher  # keeps publisher.membership for the templates
    return activity


def session_get_for_staff(*, activity: Activity, pk: int) -> Session:
    session = Session.objects.filter(activity=activity, pk=pk).first()
    if session is None:
        raise Http404
    session.activity = activity
    return session


def activities_for_dashboard(*, publisher: Publisher) -> QuerySet[Activity]:
    """Every activity of the publisher with its session, designation and check-in counts."""
    return Activity.objects.filter(publisher=publisher).annotate(
        session_count=Count("sessions", distinct=True),
        designation_count=Count("designations", distinct=True),
        attendance_count=Count("sessions__attendances", distinct=True),
    )


def activities_for_portal(*, publisher: Publisher) -> QuerySet[Activity]:
    """Published activities still running or recent enough to claim, soonest first."""
    today = timezone.localdate(timezone=publisher.zone)
    return (
        Activity.objects.filter(publisher=publisher, status=Status.PUBLISHED)
        .filter(
            Q(ends_on__gte=today - datetime.timedelta(days=30))
            | Q(claim_closes_at__gte=timezone.now())
        )
        .prefetch_related(
            Prefetch(
                "designations",
                queryset=CreditDesignation.objects.select_related("credit_type"),
            ),
            "sessions",
        )
        .order_by("starts_on", "title")
    )


PORTAL_UPCOMING_DAYS = 60


@dataclass
class PortalEntry:
    activity: Activity
    sessions: list[Session]


@dataclass
class PortalListing:
    """A publisher's portal: what a learner can claim now, and what comes next."""

    open_now: list[PortalEntry]
    upcoming: list[PortalEntry]


def portal_listing(*, publisher: Publisher, now: datetime.datetime | None = None) -> PortalListing:
    """Sessions whose claim window is open now, and sessions starting in the next 60 days.

    A series lists only the weeks that are open under "open now" (next month's grand rounds
    used to appear there); queries as `activities_for_portal`.
    """
    # services imports this module (CHECK_IN_EARLY): import its window rule here.
    from celedger.activities.services import claim_window

    now = now or timezone.now()
    horizon = now + datetime.timedelta(days=PORTAL_UPCOMING_DAYS)
    listing = PortalListing(open_now=[], upcoming=[])
    for activity in activities_for_portal(publisher=publisher):
        open_sessions, upcoming_sessions = [], []
        for session in activity.sessions.all():
            opens_at, closes_at = claim_window(session=session)
            if opens_at <= now < closes_at:
                open_sessions.append(session)
            elif now < opens_at <= horizon:
                upcoming_sessions.append(session)
        if open_sessions:
            listing.open_now.append(PortalEntry(activity, open_sessions))
        if upcoming_sessions:
            listing.upcoming.append(PortalEntry(activity, upcoming_sessions))
    return listing


def activity_detail_for_staff(*, activity: Activity) -> dict[str, Any]:
    """Sessions (with check-in counts) and designations for the console page."""
    sessions = list(
        Session.objects.filter(activity=activity).annotate(attendance_count=Count("attendances"))
    )
    for session in sessions:
        session.activity = activity
    designations = list(
        CreditDesignation.objects.filter(activity=activity).select_related(
            "credit_type", "credit_type__board"
        )
    )
    professions = list(activity.target_professions.all())
    return {"sessions": sessions, "designations": designations, "professions": professions}


class EventNotFound(Exception):
    """No open program for an Event ID; `reason` is 'unknown' or 'closed'."""

    def __init__(self, reason: str, event_id: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event_id = event_id


def session_get_public(*, event_id: str, session_only: bool = False) -> Session:
    """The session a learner's Event ID points to, if its activity is published; a
    conference's own Event ID gives its first session (unless `session_only`).

    Drafts look exactly like unknown IDs, so nothing about them leaks. Cached by Event ID
    (dropped when the session, activity or publisher changes); queries: none when cached.
    """
    normalized = normalize_event_id(event_id)
    if not is_well_formed(normalized):
        raise EventNotFound("unknown", normalized)
    named = (
        Q(event_id=normalized)
        if session_only
        else Q(event_id=normalized) | Q(activity__event_id=normalized)
    )
    session = cached_found(
        event_session_key(normalized, "session" if session_only else "public"),
        lambda: (
            Session.objects.select_related("activity", "activity__publisher")
            .filter(named)
            .order_by("starts_at", "pk")
            .first()
        ),
    )
    if session is None or session.activity.status == Status.DRAFT:
        raise EventNotFound("unknown", normalized)
    if session.activity.status == Status.CLOSED:
        raise EventNotFound("closed", normalized)
    return session


# Each lookup by Event ID that learners' pages make, cached apart (they differ in what they
# join and filter): `session_get_public` (program page; `session` for "I'm here"),
# `credits.selectors.session_get_for_claim`, the evaluation and test pages' lookups.
EVENT_LOOKUPS = ("public", "session", "claim", "learner")


def event_session_key(code: str, lookup: str) -> str:
    return f"event-session:{lookup}:{code}"


def event_session_keys(codes: list[str]) -> list[str]:
    """Every cached lookup of these Event IDs (what a change to their session, activity,
    publisher or evaluation setup drops: `activities/signals.py`)."""
    return [event_session_key(code, lookup) for code in codes if code for lookup in EVENT_LOOKUPS]


def designations_key(activity_id: int) -> str:
    return f"activity-designations:{activity_id}"


def designations_for(*, activity: Activity) -> list[CreditDesignation]:
    """The activity's designations with their credit types, boards and professions, and
    (for ACPE) the sessions' own UANs: read on every program and claim page, so cached
    until a designation, session UAN or reference table changes (`activities/signals.py`).
    Queries: none when cached; else 2, or 3 with ACPE credit."""
    from celedger.activities.models import UAN_SUFFIX_FOR_TYPE

    def build() -> list[CreditDesignation]:
        designations = list(
            CreditDesignation.objects.filter(activity_id=activity.pk)
            .select_related("credit_type__board")
            .prefetch_related("credit_type__professions")
        )
        acpe = [d for d in designations if d.credit_type.code in UAN_SUFFIX_FOR_TYPE]
        if acpe:
            prefetch_related_objects(acpe, "session_uans")
        return designations

    designations = cached_reference(designations_key(activity.pk), build)
    for designation in designations:
        designation.activity = activity
    return designations


def designations_for_learner(
    *, designations: list[CreditDesignation], profile: Any
) -> list[CreditDesignation]:
    """The designations this learner can receive: the credentials' credit types, IPCE for
    everyone, and MOC for the board's profession (board membership is checked at claim)."""
    credentials_prefetch(profile)
    professions = profession_ids_for(
        credentials=profile.credentials.all(), profession_id=profile.profession_id
    )
    offered = []
    for designation in designations:
        credit_type = designation.credit_type
        for_professions = {p.pk for p in credit_type.professions.all()}
        if (
            credit_type.is_ipce
            # What `credit_types_for_credentials` gives, read from the designations' own types.
            or (credit_type.board_id is None and professions & for_professions)
            or (credit_type.board_id and profile.profession_id in for_professions)
        ):
            offered.append(designation)
    return offered


@dataclass(frozen=True)
class ProgramVisit:
    """A session on the program page and whether the learner may say "I'm here"."""

    session: Session
    started: bool
    running: bool
    checked_in: bool


def program_sessions(
    *, activity: Activity, session: Session, learner: Any | None, now: datetime.datetime
) -> list[ProgramVisit]:
    """The sessions the program page lists: all of a conference's, else the one named;
    with the learner's check-ins (one query; none when signed out)."""
    from celedger.activities.models import Attendance

    if activity.is_conference:
        sessions = list(Session.objects.filter(activity=activity).order_by("starts_at", "pk"))
    else:
        sessions = [session]
    checked: set[int] = set()
    if learner is not None and sessions:
        # Written out: the program page reads it on every visit, and the ORM compiled the
        # same statement afresh each time (docs/performance.md).
        using = router.db_for_read(Attendance)
        conn = connections[using]
        ids = [s.pk for s in sessions]
        sql = (
            f"SELECT a.session_id FROM {conn.ops.quote_name(Attendance._meta.db_table)} a "
            f"WHERE a.learner_id = %s AND a.session_id IN ({', '.join(['%s'] * len(ids))})"
        )
        with conn.cursor() as cursor:
            cursor.execute(sql, [learner.pk, *ids])
            checked = {session_id for (session_id,) in cursor.fetchall()}
    return [
        ProgramVisit(
            session=s,
            started=s.starts_at <= now,
            running=s.starts_at - CHECK_IN_EARLY <= now
            and (now <= s.ends_at or activity.is_home_study),
            checked_in=s.pk in checked,
        )
        for s in sessions
    ]


def acpe_designations(*, activity: Activity) -> list[CreditDesignation]:
    """The activity's ACPE designations: the ones a conference session may give its own UAN."""
    from celedger.activities.models import UAN_SUFFIX_FOR_TYPE

    return list(
        CreditDesignation.objects.filter(
            activity=activity, credit_type__code__in=list(UAN_SUFFIX_FOR_TYPE)
        ).select_related("credit_type")
    )
