"""Reads for claims, transcripts and rosters; every lookup is scoped to who may see it."""

import datetime
import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone

from celedger.accreditation.phrases import UnitWords
from celedger.activities.event_ids import normalize_event_id
from celedger.activities.models import (
    UAN_SUFFIX_FOR_TYPE,
    Activity,
    Attendance,
    CreditDesignation,
    Session,
)
from celedger.activities.selectors import designations_for, event_session_key
from celedger.assessments.selectors import Gate, assessment_completed_on, claim_gates
from celedger.core.cache import cached_found
from celedger.core.rows import as_date, model_columns
from celedger.credits import transcript_reads
from celedger.credits.eligibility import (
    Eligibility,
    EligibilityFacts,
    claim_rule_problems,
    credit_eligibility,
    eligibility_facts,
    home_study_window_problem,
    session_date,
)
from celedger.credits.models import Claim, ExternalCredit, TranscriptPdf
from celedger.profiles.models import LearnerProfile
from celedger.profiles.selectors import credentials_prefetch, profile_for_user
from celedger.publishers.models import Publisher

if TYPE_CHECKING:
    from celedger.evaluations.models import ActivityEvaluation

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


def session_get_for_claim(*, event_id: str) -> Session:
    """The published session a learner may claim for, by its Event ID; 404 otherwise.

    A conference's own Event ID names its first session: the claim covers them all.
    Cached by Event ID (dropped when the session, activity, publisher or evaluation setup
    changes): what the claim must never get wrong (the window, the activity's status) is
    read again with the claim's sessions (`_sessions_with_marks`).
    """
    code = normalize_event_id(event_id)
    claimable = [Activity.Status.PUBLISHED, Activity.Status.CLOSED]
    session = cached_found(
        event_session_key(code, "claim"),
        lambda: (
            Session.objects.select_related("activity__publisher", "activity__evaluation")
            .filter(Q(event_id=code) | Q(activity__event_id=code), activity__status__in=claimable)
            .order_by("starts_at", "pk")
            .first()
        ),
    )
    if session is None:
        raise Http404
    return session


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


def uan_in_force(*, session: Session, designation: CreditDesignation) -> str:
    """The session's own UAN for `designation` (prefetched `session_uans`), else its own."""
    if designation.credit_type.code not in UAN_SUFFIX_FOR_TYPE:
        return ""
    for own in designation.session_uans.all():
        if own.session_id == session.pk:
            return own.uan
    return designation.uan


def participation_date(
    *, session: Session, completed_on: datetime.date | None = None
) -> datetime.date:
    """The date a claim's credit is for: a live session's date at the publisher; for home
    study the learner's completion date."""
    if session.activity.is_home_study and completed_on is not None:
        return completed_on
    return session_date(session)


@dataclass
class ClaimableSession:
    """One session a claim may cover, and what the learner has done there."""

    session: Session
    started: bool
    attended: bool
    evaluated: bool
    claimed: bool

    @property
    def selectable(self) -> bool:
        return self.started and self.evaluated and not self.claimed


@dataclass
class ClaimPageState:
    """Everything the claim page shows and allows, read once for GET and POST.

    `sessions` are the sessions one claim covers: all of a conference's, else the one
    named by the Event ID. `claimed` holds, per designation, what the learner already
    holds against the pooled maximum (conference, single program, home study).
    """

    learner: Any
    session: Session
    activity: Activity
    profile: LearnerProfile | None
    designations: list[CreditDesignation]
    eligibility: Eligibility | None
    sessions: list[ClaimableSession]
    existing: list[Claim]
    claimed: dict[int, Decimal]
    evaluation_done: bool
    email_verified: bool
    window_state: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    now: datetime.datetime
    completed_on: datetime.date | None = None
    # Eligible designations waiting for a passed post-test (assessments, interface 5).
    gates: dict[int, Gate] = field(default_factory=dict)

    @property
    def gated(self) -> list[tuple[CreditDesignation, Gate]]:
        eligible = self.eligibility.eligible if self.eligibility else []
        return [(d, self.gates[d.pk]) for d in eligible if d.pk in self.gates]

    @property
    def is_conference(self) -> bool:
        return self.activity.is_conference

    def remaining(self, designation: CreditDesignation) -> Decimal:
        """What the learner may still claim of `designation` over the claim's sessions."""
        if not self.activity.pools_sessions:
            held = any(
                c.designation_id == designation.pk and c.session_id == self.session.pk
                for c in self.existing
            )
            return Decimal("0") if held else self.session.cap_for(designation)
        left = designation.max_hours - self.claimed.get(designation.pk, Decimal("0"))
        return max(left, Decimal("0"))

    @property
    def to_claim(self) -> list[CreditDesignation]:
        """Eligible designations with something left and a session left to claim it for."""
        if self.eligibility is None:
            return []
        open_sessions = [s.session for s in self.sessions if s.selectable]
        claimed_pairs = {(c.session_id, c.designation_id) for c in self.existing}
        return [
            d
            for d in self.eligibility.eligible
            if d.pk not in self.gates
            and self.remaining(d) > 0
            and any((s.pk, d.pk) not in claimed_pairs for s in open_sessions)
        ]

    @property
    def selectable_sessions(self) -> list[Session]:
        return [s.session for s in self.sessions if s.selectable]

    @property
    def started(self) -> bool:
        return any(s.started for s in self.sessions)

    @property
    def blocked_reason(self) -> str:
        """Why nothing can be claimed right now ("" when something can)."""
        if self.window_state == "closed":
            return "The claim period for this activity has ended."
        if self.window_state == "not_yet" or not self.started:
            return "Credit can be claimed once the session has started."
        if not self.evaluation_done:
            return "Complete the evaluation before claiming credit."
        done = self.completed_on
        if self.activity.is_home_study and done:
            window = home_study_window_problem(activity=self.activity, completed_on=done)
            if window:
                return window
        if not self.email_verified:
            return "Confirm your email address before claiming credit."
        if self.profile is None:
            return "Complete your profile before claiming credit."
        return ""

    @property
    def can_claim(self) -> bool:
        return not self.blocked_reason and bool(self.to_claim)


@dataclass(frozen=True)
class LearnerMarks:
    """What the learner has done on an activity that the claim depends on."""

    attended: frozenset[int]  # session ids checked in to
    evaluated: frozenset[int]  # session ids evaluated on their own
    activity_evaluated: bool  # the activity evaluated once for all its sessions
    first_evaluated_at: datetime.datetime | None
    email_verified: bool
    has_claims: bool  # any active claim on the activity, on any of its sessions


def _sessions_with_marks(
    *, learner: Any, activity: Activity, session: Session
) -> tuple[list[Session], LearnerMarks]:
    """The claim's sessions (a conference's all, else the one named), with the learner's
    check-ins and evaluations there, whether an email address is verified and whether the
    learner holds any active claim on the activity: one statement.

    Written out rather than composed with the ORM: the claim page and POST run it on every
    request, and compiling the same annotated query (five EXISTS subqueries) took more CPU
    than the rest of the page's state (docs/performance.md); the rows are built as
    `core/rows.py` does (`Session.objects.raw` worked out its columns on every call).
    """
    from allauth.account.models import EmailAddress

    from celedger.evaluations.models import Response

    using = router.db_for_read(Session)
    conn = connections[using]
    columns = model_columns(Session, alias="s", using=using)
    quote = conn.ops.quote_name
    attendance = quote(Attendance._meta.db_table)
    response = quote(Response._meta.db_table)
    scope = "s.activity_id = %s" if activity.is_conference else "s.id = %s"
    sql = (
        f"SELECT {columns.sql}, "
        f"EXISTS (SELECT 1 FROM {attendance} a WHERE a.learner_id = %s "
        "AND a.session_id = s.id) AS mark_attended, "
        f"EXISTS (SELECT 1 FROM {response} r WHERE r.learner_id = %s "
        "AND r.session_id = s.id) AS mark_evaluated, "
        f"EXISTS (SELECT 1 FROM {response} r WHERE r.learner_id = %s "
        "AND r.activity_id = %s AND r.session_id IS NULL) AS mark_activity_evaluated, "
        f"(SELECT MIN(r.submitted_at) FROM {response} r WHERE r.learner_id = %s "
        "AND r.activity_id = %s) AS mark_first_evaluated_at, "
        f"EXISTS (SELECT 1 FROM {quote(EmailAddress._meta.db_table)} e "
        "WHERE e.user_id = %s AND e.verified = %s) AS mark_email_verified, "
        # Whether `_active_claims_on` has anything to read (a first claim's page and POST
        # have not).
        f"EXISTS (SELECT 1 FROM {quote(Claim._meta.db_table)} c "
        f"JOIN {quote(Session._meta.db_table)} cs ON cs.id = c.session_id "
        "WHERE c.learner_id = %s AND cs.activity_id = %s AND c.status = %s) AS mark_claims, "
        # The activity's status, window and dates, as the database holds them now: the
        # session and activity named may come from the cache (`session_get_for_claim`).
        "act.status AS act_status, act.claim_opens_at AS act_claim_opens_at, "
        "act.claim_closes_at AS act_claim_closes_at, act.starts_on AS act_starts_on, "
        "act.ends_on AS act_ends_on "
        f"FROM {quote(Session._meta.db_table)} s "
        f"JOIN {quote(Activity._meta.db_table)} act ON act.id = s.activity_id "
        f"WHERE {scope} ORDER BY s.starts_at, s.id"
    )
    me = learner.pk
    params = [me, me, me, activity.pk, me, activity.pk, me, True]
    params += [me, activity.pk, Claim.Status.ACTIVE.value]
    params.append(activity.pk if activity.is_conference else session.pk)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = []
    for row in found:
        item = columns.instance(row, using=using)
        (
            item.mark_attended,  # type: ignore[attr-defined]
            item.mark_evaluated,  # type: ignore[attr-defined]
            item.mark_activity_evaluated,  # type: ignore[attr-defined]
            item.mark_first_evaluated_at,  # type: ignore[attr-defined]
            item.mark_email_verified,  # type: ignore[attr-defined]
            item.mark_claims,  # type: ignore[attr-defined]
            item.act_status,  # type: ignore[attr-defined]
            item.act_claim_opens_at,  # type: ignore[attr-defined]
            item.act_claim_closes_at,  # type: ignore[attr-defined]
            item.act_starts_on,  # type: ignore[attr-defined]
            item.act_ends_on,  # type: ignore[attr-defined]
        ) = row[columns.end :]
        rows.append(item)
    # The learner's own marks are the same on every row; read from the first.
    first = rows[0] if rows else None
    marks = LearnerMarks(
        attended=frozenset(r.pk for r in rows if r.mark_attended),  # type: ignore[attr-defined]
        evaluated=frozenset(r.pk for r in rows if r.mark_evaluated),  # type: ignore[attr-defined]
        activity_evaluated=bool(getattr(first, "mark_activity_evaluated", False)),
        first_evaluated_at=_aware(getattr(first, "mark_first_evaluated_at", None)),
        email_verified=bool(getattr(first, "mark_email_verified", False)),
        has_claims=bool(getattr(first, "mark_claims", True)),
    )
    _refresh_from_rows(session=session, activity=activity, rows=rows)
    return rows, marks


def _refresh_from_rows(*, session: Session, activity: Activity, rows: list[Session]) -> None:
    """What the claim must never get wrong, from the rows just read rather than the
    (cached) session and activity: the activity's status, claim window and dates, the
    session's start and end. A draft activity's sessions cannot be claimed (404)."""
    first = rows[0] if rows else None
    if first is None:
        raise Http404
    status = first.act_status  # type: ignore[attr-defined]
    if status not in (Activity.Status.PUBLISHED, Activity.Status.CLOSED):
        raise Http404
    activity.status = status
    activity.claim_opens_at = _aware(first.act_claim_opens_at)  # type: ignore[attr-defined]
    activity.claim_closes_at = _aware(first.act_claim_closes_at)  # type: ignore[attr-defined]
    activity.starts_on = as_date(first.act_starts_on)  # type: ignore[attr-defined]
    activity.ends_on = as_date(first.act_ends_on)  # type: ignore[attr-defined]
    for row in rows:
        if row.pk == session.pk:
            session.starts_at = row.starts_at
            session.ends_at = row.ends_at
            session.credit_hours = row.credit_hours


def _aware(value: Any) -> datetime.datetime | None:
    # PostgreSQL gives an aware datetime; SQLite (no column type for an expression) the
    # stored UTC text.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return cast(datetime.datetime, value)


def _active_claims_on(*, learner: Any, activity: Activity) -> list[Claim]:
    """The learner's active claims on the activity, each with its session: written out, as
    the ORM compiled this join afresh on every claim page and POST."""
    using = router.db_for_read(Claim)
    conn = connections[using]
    claim = model_columns(Claim, alias="c", using=using)
    session = model_columns(Session, alias="s", using=using, start=claim.end)
    quote = conn.ops.quote_name
    sql = (
        f"SELECT {claim.sql}, {session.sql} FROM {quote(Claim._meta.db_table)} c "
        f"JOIN {quote(Session._meta.db_table)} s ON s.id = c.session_id "
        "WHERE c.learner_id = %s AND s.activity_id = %s AND c.status = %s"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, [learner.pk, activity.pk, Claim.Status.ACTIVE.value])
        rows = cursor.fetchall()
    claims = []
    for row in rows:
        found = claim.instance(row, using=using)
        found._state.fields_cache["session"] = session.instance(row, using=using)
        claims.append(found)
    return claims


def claim_page_state(
    *, learner: Any, session: Session, now: datetime.datetime | None = None
) -> ClaimPageState:
    """The claim page's state for `learner` and the session (or conference) named.

    Queries: none for the profile and its credentials (the ones `profile_required` read,
    the credentials from the cached table; board certifications +1 with MOC credit); the
    claim's sessions with the check-in, evaluation and email-verified flags, whether the
    learner holds a claim there and the activity's window (1, `_sessions_with_marks`); the
    learner's active claims on the activity (1, only when they hold any). Cached: the
    designations (`designations_for`) and whether a post-test gates credit (`claim_gates`:
    up to 4 more with an active post-test; home study +1).
    """
    from celedger.evaluations.models import ActivityEvaluation

    now = now or timezone.now()
    activity = session.activity
    designations = designations_for(activity=activity)
    # The profile `profile_required` already read (cached on the user), with what
    # eligibility reads: credentials, and board certifications only for MOC credit.
    profile = profile_for_user(user=learner)
    if profile is not None:
        credentials_prefetch(profile)
        if any(d.credit_type.board_id for d in designations):
            prefetch_related_objects([profile], "board_certifications")
    eligibility = (
        credit_eligibility(profile=profile, activity=activity, designations=designations)
        if profile is not None
        else None
    )
    setup = getattr(activity, "evaluation", None)
    evaluates = setup is not None and setup.mode != ActivityEvaluation.Mode.NONE
    per_session = evaluates and setup is not None and setup.per_session
    rows, marks = _sessions_with_marks(learner=learner, activity=activity, session=session)
    existing = _active_claims_on(learner=learner, activity=activity) if marks.has_claims else []
    # The designations (with their credit types) are the cached ones: no join to read them.
    by_pk = {d.pk: d for d in designations}
    if all(c.designation_id in by_pk for c in existing):
        for claim in existing:
            claim.designation = by_pk[claim.designation_id]
    else:
        prefetch_related_objects(existing, "designation__credit_type")
    existing.sort(key=lambda c: (c.session.starts_at, c.designation.credit_type.sort_order, c.pk))
    claimed: dict[int, Decimal] = defaultdict(Decimal)
    for claim in existing:
        claimed[claim.designation_id] += claim.hours
    sessions = []
    for row in rows:
        row.activity = activity
        if per_session:
            evaluated = row.pk in marks.evaluated
        else:
            evaluated = not evaluates or marks.activity_evaluated
        sessions.append(
            ClaimableSession(
                session=row,
                started=row.starts_at <= now,
                attended=row.pk in marks.attended,
                evaluated=evaluated,
                claimed=False,
            )
        )
    first_evaluated = marks.first_evaluated_at
    # A session is "claimed" when every eligible designation already has its claim there.
    eligible_ids = {d.pk for d in eligibility.eligible} if eligibility else set()
    for item in sessions:
        have = {c.designation_id for c in existing if c.session_id == item.session.pk}
        item.claimed = bool(have) and eligible_ids <= have
    opens_at, closes_at = claim_window(session=session)
    completed_on = None
    if activity.is_home_study:
        # Completed when the post-test was passed; without one, when evaluated or attested.
        when = first_evaluated if evaluates else None
        completed_on = assessment_completed_on(learner=learner, activity=activity) or (
            (when or now).astimezone(activity.publisher.zone).date()
        )
    gates = (
        claim_gates(
            learner=learner, activity=activity, designations=eligibility.eligible, session=session
        )
        if eligibility is not None and eligibility.eligible
        else {}
    )
    return ClaimPageState(
        learner=learner,
        session=session,
        activity=activity,
        profile=profile,
        designations=designations,
        eligibility=eligibility,
        sessions=sessions,
        existing=existing,
        claimed=dict(claimed),
        evaluation_done=any(s.evaluated for s in sessions),
        email_verified=marks.email_verified,
        window_state=claim_window_state(session=session, now=now),
        opens_at=opens_at,
        closes_at=closes_at,
        now=now,
        completed_on=completed_on,
        gates=gates,
    )


# Transcript -----------------------------------------------------------------------


@dataclass
class TranscriptFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    credit_type: str = ""
    publisher: str = ""


@dataclass(frozen=True, slots=True)
class TranscriptRow:
    """One active claim as the transcript shows it: plain values, no model objects."""

    claim_id: int
    participated_on: datetime.date
    activity_id: int
    activity_title: str
    session_label: str  # the session's topic or Event ID for conferences and series, else ""
    event_id: str
    uan: str
    provider: str
    credit_type: str
    hours: Decimal
    unit: UnitWords
    session_id: int
    is_series: bool  # a series session has its own certificate
    session_topic: str = ""


@dataclass
class TranscriptChoices:
    """What the filters offer: the credit types and providers the learner has credit with."""

    credit_types: list[tuple[str, str]]
    publishers: list[tuple[str, str]]


@dataclass
class Transcript:
    rows: list[TranscriptRow]
    totals: list[tuple[str, UnitWords, Decimal]]  # (credit type name, unit words, hours)
    count: int  # every row the filters match (all pages)
    # Credit earned elsewhere (imported history), labelled "external"; not in the totals.
    external: list[ExternalCredit] = field(default_factory=list)


# Newest first; on one day the latest claim first (a conference claim writes its sessions
# in start order). Exactly the index claim_learner_transcript: a page reads only its rows.
TRANSCRIPT_ORDER = ("-participated_on", "-id")
_ROW_VALUES = (
    "pk",
    "participated_on",
    "session__activity_id",
    "session__activity__title",
    "session__activity__structure",
    "session__topic",
    "session__event_id",
    "uan",
    "session__activity__publisher__name",
    "designation__credit_type__name",
    "hours",
    "designation__credit_type__unit_singular",
    "designation__credit_type__unit",
    "session_id",
)
_NAMES_SESSIONS = {Activity.Structure.CONFERENCE, Activity.Structure.SERIES}


def transcript_row(values: tuple[Any, ...]) -> TranscriptRow:
    (pk, on, activity_id, title, structure, topic, event_id, uan, provider, ct, hours) = values[
        :11
    ]
    singular, unit, session_id = values[11:]
    return TranscriptRow(
        claim_id=pk,
        participated_on=on,
        activity_id=activity_id,
        activity_title=title,
        session_label=(topic or event_id) if structure in _NAMES_SESSIONS else "",
        event_id=event_id,
        uan=uan,
        provider=provider,
        credit_type=ct,
        hours=hours,
        unit=UnitWords(singular, unit),
        session_id=session_id,
        is_series=structure == Activity.Structure.SERIES,
        session_topic=topic,
    )


def _transcript_claims(learner: Any) -> QuerySet[Claim]:
    return Claim.objects.filter(learner=learner, status=Claim.Status.ACTIVE)


def transcript_choices(*, learner: Any) -> TranscriptChoices:
    """The filters' choices, one query over the learner's claims (index claim_learner_active)."""
    types: set[tuple[int, str, str]] = set()
    publishers: set[tuple[str, str]] = set()
    for sort_order, code, name, publisher_name, publisher_code in transcript_reads.choices(
        learner_id=learner.pk
    ):
        types.add((sort_order, name, code))
        publishers.add((publisher_name, publisher_code))
    return TranscriptChoices(
        credit_types=[(code, name) for _, name, code in sorted(types)],
        publishers=[(code, name) for name, code in sorted(publishers)],
    )


def _filtered(learner: Any, filters: TranscriptFilters) -> QuerySet[Claim]:
    claims = _transcript_claims(learner)
    # The date a credit is for: the session's day, or a home-study completion date.
    if filters.date_from:
        claims = claims.filter(participated_on__gte=filters.date_from)
    if filters.date_to:
        claims = claims.filter(participated_on__lte=filters.date_to)
    if filters.credit_type:
        claims = claims.filter(designation__credit_type__code=filters.credit_type)
    if filters.publisher:
        claims = claims.filter(session__activity__publisher__code=filters.publisher)
    return claims


def transcript_totals(
    *, learner: Any, filters: TranscriptFilters
) -> tuple[list[tuple[str, UnitWords, Decimal]], int]:
    """Hours per credit type over every matching claim, and how many claims match: one
    aggregate query (its counts give the paginator's total)."""
    totals, count = [], 0
    for name, singular, unit, hours, claims in transcript_reads.totals(
        learner_id=learner.pk, filters=filters
    ):
        totals.append((name, UnitWords(singular, unit), hours))
        count += claims
    return totals, count


def transcript_rows(*, learner: Any, filters: TranscriptFilters) -> QuerySet[Any]:
    """The matching claims as value tuples, newest first: slice it for a page, or iterate
    it for a download (`transcript_row` makes a `TranscriptRow` of each)."""
    return _filtered(learner, filters).order_by(*TRANSCRIPT_ORDER).values_list(*_ROW_VALUES)


TRANSCRIPT_PAGE_SIZE = 50


def transcript_for(
    *,
    learner: Any,
    filters: TranscriptFilters | None = None,
    page: str | int | None = 1,
    per_page: int | None = TRANSCRIPT_PAGE_SIZE,
) -> tuple[Transcript, Page[Any] | None]:
    """One page of `learner`'s active claims, newest first, with totals per credit type
    over all pages; `per_page=None` gives every claim (the PDF).

    Queries, whatever the number of claims: totals with the count (1), the page's rows
    (1, its ids in a subquery), the external credit (1).
    """
    filters = filters or TranscriptFilters()
    totals, count = transcript_totals(learner=learner, filters=filters)
    values: Iterable[tuple[Any, ...]]
    page_obj: Page[Any] | None = None
    if per_page is None:
        values = transcript_rows(learner=learner, filters=filters)
    else:
        # The totals query counted the rows: the paginator pages positions, and the page's
        # ids come from the index alone (claim_learner_transcript, in its order); the joins
        # then read only those rows, however many sessions the instance has.
        page_obj = Paginator(range(count), per_page).get_page(page)
        values = transcript_reads.page(
            learner_id=learner.pk,
            filters=filters,
            offset=(page_obj.number - 1) * per_page,
            limit=per_page,
        )
    rows = [transcript_row(v) for v in values]
    transcript = Transcript(
        rows=rows,
        totals=totals,
        count=count,
        external=external_credits_for(learner=learner, filters=filters),
    )
    return transcript, page_obj


def transcript_issued_on(*, learner: Any) -> datetime.date:
    """Today where the learner is: learners have no time zone of their own, so the zone of
    the publisher of their latest claim (a certificate is dated in its publisher's), else
    the site's. A UTC date is tomorrow for an American learner every evening."""
    zone_name = (
        Claim.objects.filter(learner=learner, status=Claim.Status.ACTIVE)
        .order_by("-participated_on", "-pk")
        .values_list("session__activity__publisher__time_zone", flat=True)
        .first()
    )
    if not zone_name:
        return timezone.localdate()
    return timezone.localdate(timezone=Publisher(time_zone=zone_name).zone)


def transcript_pdf_context(*, learner: Any, filters: TranscriptFilters) -> dict[str, Any]:
    """What credits/transcript_pdf.html shows: every matching claim, the external credit,
    the learner's name and license, the date it is issued on where the learner is (the
    request's page or the background build)."""
    from celedger.profiles.selectors import profile_for_user

    transcript, _ = transcript_for(learner=learner, filters=filters, per_page=None)
    period = (filters.date_from, filters.date_to) if filters.date_from or filters.date_to else None
    return {
        "transcript": transcript,
        "period": period,
        "profile": profile_for_user(user=learner),
        "issued_on": transcript_issued_on(learner=learner),
        "user_email": learner.email,
    }


def transcript_filters_params(filters: TranscriptFilters) -> dict[str, str]:
    """The filters as JSON-safe strings (a background job's params), and back below."""
    return {
        "date_from": filters.date_from.isoformat() if filters.date_from else "",
        "date_to": filters.date_to.isoformat() if filters.date_to else "",
        "credit_type": filters.credit_type,
        "publisher": filters.publisher,
    }


def transcript_filters_from(params: dict[str, str]) -> TranscriptFilters:
    def day(value: str) -> datetime.date | None:
        return datetime.date.fromisoformat(value) if value else None

    return TranscriptFilters(
        date_from=day(params.get("date_from", "")),
        date_to=day(params.get("date_to", "")),
        credit_type=params.get("credit_type", ""),
        publisher=params.get("publisher", ""),
    )


def transcript_pdf_get(*, learner: Any, pk: int) -> TranscriptPdf:
    """The learner's own background PDF; 404 for anyone else's."""
    found = TranscriptPdf.objects.filter(pk=pk, learner=learner).first()
    if found is None:
        raise Http404
    return found


def external_credits_for(*, learner: Any, filters: TranscriptFilters) -> list[ExternalCredit]:
    """The learner's imported credit from other systems, newest first (none when the
    transcript is narrowed to one of this instance's providers)."""
    return transcript_reads.external(learner_id=learner.pk, filters=filters)


# Roster ---------------------------------------------------------------------------


def claim_get_for_staff(*, publisher: Publisher, pk: int) -> Claim:
    claim = (
        Claim.objects.select_related(
            "learner", "session__activity__publisher", "designation__credit_type", "awarded_by"
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
    # Active credit above a maximum (the session's amount, or the activity's in total):
    # recorded before the rule, or left by a lowered maximum. Correct it on the claim page.
    over_maximum: bool = False
    # Per claim of the row, why the rules would not allow it now (`claim_rule_problems`).
    problems: dict[int, list[str]] = field(default_factory=dict)
    # Active credit without the evaluation the activity's setup requires now, in words
    # (`evaluation_missing`): one evaluation stands behind every credit type of the row.
    evaluation_missing: str = ""

    @property
    def hours_total(self) -> Decimal:
        return sum((c.hours for c in self.claims), Decimal("0"))

    @property
    def flagged(self) -> bool:
        return self.over_maximum or bool(self.evaluation_missing) or any(self.problems.values())

    @property
    def flags(self) -> list[str]:
        """What the coordinator should look at, in words: the row's missing evaluation,
        then claim by claim."""
        found: list[str] = [self.evaluation_missing] if self.evaluation_missing else []
        for claim in self.claims:
            name = claim.designation.credit_type.short_name
            found.extend(f"{name}: {problem}" for problem in self.problems.get(claim.pk, []))
        return found


@dataclass
class Roster:
    activity: Activity
    sessions: list[Session]
    rows: list[RosterRow]


class RosterStatus:
    """The roster's status filter; each one is a question a coordinator asks of a row."""

    ALL = ""
    ATTENDED_UNCLAIMED = "attended-unclaimed"
    CLAIMED = "claimed"
    EVALUATED_UNCLAIMED = "evaluated-unclaimed"
    FLAGGED = "flagged"
    CHOICES = [
        (ALL, "Everyone"),
        (ATTENDED_UNCLAIMED, "Attended but not claimed"),
        (CLAIMED, "Claimed"),
        (EVALUATED_UNCLAIMED, "Evaluated but not claimed"),
        (FLAGGED, "Flagged: over the maximum or not allowed now"),
    ]


@dataclass(frozen=True)
class RosterFilters:
    session_id: int | None = None
    q: str = ""
    status: str = RosterStatus.ALL


@dataclass
class RosterTotals:
    learners: int
    attended: int
    evaluated: int
    claimed: int
    hours: list[tuple[str, UnitWords, Decimal]]  # (credit type short name, unit words, hours)


def _learner_ids(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.order_by().values("learner_id")


class _KeyAmong(Func):
    """`key = ANY(ARRAY(ids))` as a condition (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def _users_among(ids: QuerySet[Any], *, using: str) -> Q | _KeyAmong:
    """The users whose key is in the subquery `ids`. On PostgreSQL as `id = ANY(ARRAY(…))`:
    with `id IN (…)` the planner hash-joined a sequential read of every user and profile
    on the instance (20k users, a roster of 1,000: 9–23 ms); from the array it looks the
    roster's users and profiles up by key (4.7 ms, docs/performance.md)."""
    if connections[using].vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        return _KeyAmong(F("pk"), ArraySubquery(ids))
    return Q(pk__in=ids)


class _Conditions:
    """The learners of the chosen sessions, as subqueries of learner ids that start from
    the activity's attendances, claims and responses: `User.pk IN (…)` is then a semi-join
    from those rows, and its cost grows with the activity's learners, not the instance's
    users (an OR of EXISTS per user scanned every user: issue 10).

    A roster row is a (session, learner) pair that attended, claimed, or evaluated that
    session; an activity-wide evaluation counts for every row the learner has.
    """

    def __init__(self, *, activity: Activity, chosen_ids: list[int]) -> None:
        from celedger.evaluations.models import Response

        in_sessions = Q(session_id__in=chosen_ids)
        # Correlated with the outer row: the claim of the same (session, learner) pair.
        pair_claim = Claim.objects.filter(
            learner_id=OuterRef("learner_id"),
            session_id=OuterRef("session_id"),
            status=Claim.Status.ACTIVE,
        )
        attendances = Attendance.objects.filter(in_sessions)
        session_responses = Response.objects.filter(in_sessions)
        claims = Claim.objects.filter(in_sessions, status=Claim.Status.ACTIVE)
        activity_responses = Response.objects.filter(activity=activity, session__isnull=True)
        unclaimed_attendances = _learner_ids(attendances.filter(~Exists(pair_claim)))
        self.attended = _learner_ids(attendances)
        self.claimed = _learner_ids(claims)
        self.evaluated = _learner_ids(session_responses).union(_learner_ids(activity_responses))
        self.in_roster = self.attended.union(self.claimed, _learner_ids(session_responses))
        self.attended_unclaimed = unclaimed_attendances
        self.evaluated_unclaimed = _learner_ids(
            session_responses.filter(~Exists(pair_claim))
        ).union(_learner_ids(activity_responses.filter(learner_id__in=unclaimed_attendances)))

    def for_status(self, status: str) -> QuerySet[Any]:
        """The ids of the learners with a row that matches `status`."""
        return {
            RosterStatus.ATTENDED_UNCLAIMED: self.attended_unclaimed,
            RosterStatus.CLAIMED: self.claimed,
            RosterStatus.EVALUATED_UNCLAIMED: self.evaluated_unclaimed,
        }.get(status, self.in_roster)


def _row_matches(row: RosterRow, status: str) -> bool:
    if status == RosterStatus.ATTENDED_UNCLAIMED:
        return row.attended and not row.claims
    if status == RosterStatus.CLAIMED:
        return bool(row.claims)
    if status == RosterStatus.EVALUATED_UNCLAIMED:
        return row.evaluated and not row.claims
    if status == RosterStatus.FLAGGED:
        return row.flagged
    return True


@functools.cache
def _accented() -> dict[str, str]:
    """Each ASCII letter's accented forms in the Latin blocks: "e" -> "èéêëēĕėęě…"."""
    from celedger.profiles.services import fold_last_name

    forms: dict[str, str] = defaultdict(str)
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = fold_last_name(char)
        if len(base) == 1 and base.isascii() and base != char:
            forms[base] += char
    return dict(forms)


def _accent_blind_pattern(folded: str) -> str:
    # First names have no folded column: a regex ("jose" -> "j[oóò…]s[eé…]") makes them
    # accent-blind on SQLite and PostgreSQL alike. Upper and lower case are both listed
    # because PostgreSQL's ~* may not fold non-ASCII letters under the C collation.
    accented = _accented()
    parts = []
    for char in folded:
        forms = accented.get(char, "")
        if not forms:
            parts.append(re.escape(char))
            continue
        letters = {char, char.upper(), *forms, *(f.upper() for f in forms)}
        parts.append("[" + "".join(sorted(c for c in letters if len(c) == 1)) + "]")
    return "".join(parts)


def _search(q: str) -> Q:
    """Every word must match the learner's last name (folded like `last_name_key`: case,
    accents, spaces and punctuation ignored), first name (case and accents ignored),
    email or license number."""
    from celedger.profiles.services import fold_last_name

    condition = Q()
    for word in q.split()[:6]:
        match = (
            Q(email__icontains=word)
            | Q(profile__first_name__icontains=word)
            | Q(profile__license_number__icontains=word)
        )
        folded = fold_last_name(word)
        if folded:
            match |= Q(profile__last_name_key__contains=folded) | Q(
                profile__first_name__iregex=_accent_blind_pattern(folded)
            )
        condition &= match
    return condition


def roster_sessions(*, activity: Activity) -> list[Session]:
    return list(Session.objects.filter(activity=activity).order_by("starts_at", "pk"))


def _chosen(sessions: list[Session], session_id: int | None) -> list[Session]:
    return [s for s in sessions if session_id is None or s.pk == session_id]


def roster_learners(
    *, activity: Activity, sessions: list[Session], filters: RosterFilters
) -> QuerySet[Any]:
    """The roster's learners matching `filters`, by last name: one lazy query to page."""
    from django.contrib.auth import get_user_model

    chosen_ids = [s.pk for s in _chosen(sessions, filters.session_id)]
    conditions = _Conditions(activity=activity, chosen_ids=chosen_ids)
    users = get_user_model().objects.all()
    users = users.filter(_users_among(conditions.for_status(filters.status), using=users.db))
    if filters.status == RosterStatus.FLAGGED:
        users = users.filter(
            pk__in=roster_flagged_learner_ids(
                activity=activity, sessions=sessions, session_id=filters.session_id
            )
        )
    if filters.q.strip():
        users = users.filter(_search(filters.q))
    return users.select_related("profile__profession").order_by(
        F("profile__last_name_key").asc(nulls_last=True),
        F("profile__first_name").asc(nulls_last=True),
        "email",
        "pk",
    )


def roster_rows(
    *,
    activity: Activity,
    sessions: list[Session],
    learners: list[Any],
    session_id: int | None = None,
    status: str = RosterStatus.ALL,
    everyone: bool = False,
) -> list[RosterRow]:
    """The rows of `learners` (in their order, then by session start), three queries:
    attendances, evaluation responses, active claims with credit types; for one session
    of a conference a fourth finds the learners whose total is above the maximum. The
    flags: the evaluation setup (1) and the claim rules' data (`_claim_problems`).

    `everyone` says `learners` is the whole roster, so the queries need no id list."""
    from celedger.evaluations.models import Response

    chosen = _chosen(sessions, session_id)
    chosen_ids = [s.pk for s in chosen]
    of_learners = Q() if everyone else Q(learner_id__in=[u.pk for u in learners])
    attended = set(
        Attendance.objects.filter(of_learners, session_id__in=chosen_ids).values_list(
            "session_id", "learner_id"
        )
    )
    # A response may be for one session or for the whole activity (session empty).
    evaluated_pairs: set[tuple[int | None, int]] = set(
        Response.objects.filter(of_learners, activity=activity).values_list(
            "session_id", "learner_id"
        )
    )
    claims = _active_claims(chosen_ids=chosen_ids, of_learners=of_learners)
    claims_by_key: dict[tuple[int, int], list[Claim]] = defaultdict(list)
    for claim in claims:
        claims_by_key[(claim.session_id, claim.learner_id)].append(claim)
    setup = evaluation_required(activity=activity) if learners else None
    responses = Evaluated(evaluated_pairs) if setup is not None else Evaluated(())
    over = _over_maximum(
        activity=activity, claims=claims, session_id=session_id, of_learners=of_learners
    )
    problems = (
        _claim_problems(
            activity=activity,
            sessions=chosen,
            profiles={u.pk: p for u in learners if (p := getattr(u, "profile", None))},
            claims=claims,
        )
        if learners
        else {}
    )
    rows = []
    for user in learners:
        profile = getattr(user, "profile", None)
        for session in chosen:
            key = (session.pk, user.pk)
            evaluated = key in evaluated_pairs or (None, user.pk) in evaluated_pairs
            if not (key in attended or key in claims_by_key or key in evaluated_pairs):
                continue
            row = RosterRow(
                session=session,
                learner_id=user.pk,
                email=user.email,
                name=f"{profile.last_name}, {profile.first_name}" if profile else "",
                profession=profile.profession.name if profile else "",
                attended=key in attended,
                evaluated=evaluated,
                claims=claims_by_key.get(key, []),
                over_maximum=user.pk in over,
                problems={
                    c.pk: problems[c.pk] for c in claims_by_key.get(key, []) if c.pk in problems
                },
                evaluation_missing=evaluation_missing(
                    setup=setup if key in claims_by_key else None,
                    session_id=session.pk,
                    learner_id=user.pk,
                    evaluated=responses,
                ),
            )
            if _row_matches(row, status):
                rows.append(row)
    return rows


def _active_claims(*, chosen_ids: list[int], of_learners: Q) -> list[Claim]:
    return list(
        Claim.objects.filter(of_learners, session_id__in=chosen_ids, status=Claim.Status.ACTIVE)
        .select_related("designation__credit_type")
        .order_by("designation__credit_type__sort_order", "pk")
    )


def _over_maximum(
    *, activity: Activity, claims: list[Claim], session_id: int | None, of_learners: Q
) -> set[int]:
    """The learners whose active credit is above a maximum: a claim above its session's
    amount, or (pooled structures) a total above the designation's; for one session of a
    conference one query sums the learners' other sessions too."""
    over = {c.learner_id for c in claims if c.hours > c.max_hours}
    if activity.pools_sessions and session_id is None:
        # Every session's claims are loaded already: the totals need no query.
        totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        maxima: dict[int, Decimal] = {}
        for c in claims:
            totals[(c.learner_id, c.designation_id)] += c.hours
            maxima[c.designation_id] = c.designation.max_hours
        over.update(lid for (lid, did), total in totals.items() if total > maxima[did])
    elif activity.pools_sessions:
        over.update(
            Claim.objects.filter(
                of_learners, session__activity=activity, status=Claim.Status.ACTIVE
            )
            .values("learner_id", "designation_id", "designation__max_hours")
            .annotate(total=Sum("hours"))
            .filter(total__gt=F("designation__max_hours"))
            .values_list("learner_id", flat=True)
        )
    return over


def _eligibility_facts(profiles: dict[int, LearnerProfile]) -> dict[int, EligibilityFacts]:
    """Per learner id, what eligibility reads of the profile, in two queries for any
    number of profiles (a prefetch costs Django ~0.4 ms a profile: 2,000 profiles ~0.9 s)."""
    from celedger.profiles.models import BoardCertification

    by_profile = {p.pk: p for p in profiles.values()}
    credentials: dict[int, list[Any]] = defaultdict(list)
    through = LearnerProfile.credentials.through
    for row in through.objects.filter(learnerprofile_id__in=by_profile).select_related(
        "credential"
    ):
        credentials[row.learnerprofile_id].append(row.credential)
    boards: dict[int, list[Any]] = defaultdict(list)
    for board in BoardCertification.objects.filter(profile_id__in=by_profile).only(
        "profile_id", "board_id", "consented_at"
    ):
        boards[board.profile_id].append(board)
    return {
        learner_id: eligibility_facts(
            profile,
            credentials=credentials[profile.pk],
            board_certifications=boards[profile.pk],
        )
        for learner_id, profile in profiles.items()
    }


def evaluation_required(*, activity: Activity) -> "ActivityEvaluation | None":
    """The activity's evaluation setup when credit needs an evaluation (built-in or outside
    form), else None. One query."""
    from celedger.evaluations.selectors import evaluation_setup

    return evaluation_setup(activity=activity)


class Evaluated:
    """Learners' evaluation responses on one activity, as (session id, learner id) pairs
    (session None: the whole activity evaluated once)."""

    def __init__(self, pairs: Iterable[tuple[int | None, int]]) -> None:
        self.pairs = set(pairs)
        self.of_sessions = {who for session_id, who in self.pairs if session_id is not None}


def evaluation_missing(
    *,
    setup: "ActivityEvaluation | None",
    session_id: int,
    learner_id: int,
    evaluated: Evaluated,
) -> str:
    """Why an active claim for `session_id` lacks the evaluation `setup` requires now, in
    words ("" when it has it or none is required). The claim page's rule: a response for
    that session when evaluated per session, else one for the whole activity.

    Claims get here without one: imported or bulk-entered, awarded by staff over the
    evaluation, or made before the evaluation was switched on or its scope changed."""
    if setup is None:
        return ""
    if setup.per_session:
        if (session_id, learner_id) in evaluated.pairs:
            return ""
        needed = "this session's"
        other = (None, learner_id) in evaluated.pairs
        hint = " They evaluated the activity as a whole; it is now evaluated per session."
    else:
        if (None, learner_id) in evaluated.pairs:
            return ""
        needed = "the activity's"
        other = learner_id in evaluated.of_sessions
        hint = " They evaluated single sessions; it is now evaluated once for the activity."
    if setup.mode == setup.Mode.OUTSIDE:
        reason = (
            f"Not evaluated: credit needs {needed} outside evaluation form, and the learner "
            "has not attested completing it."
        )
    else:
        reason = (
            f"Not evaluated: credit needs {needed} evaluation, and the learner has not "
            "submitted it."
        )
    return reason + (hint if other else "")


def _evaluated(*, activity: Activity, learner_ids: Any) -> Evaluated:
    """The learners' responses on the activity (one query)."""
    from celedger.evaluations.models import Response

    return Evaluated(
        Response.objects.filter(activity=activity, learner_id__in=learner_ids).values_list(
            "session_id", "learner_id"
        )
    )


def _claim_problems(
    *,
    activity: Activity,
    sessions: list[Session],
    profiles: dict[int, LearnerProfile],
    claims: list[Claim],
) -> dict[int, list[str]]:
    """Per claim id, why the rules would not allow it now (`claim_rule_problems`, the same
    rules as a claim). Queries, whenever there are learners (so a page costs the same with
    or without claims): the learners' credentials and board certifications (2); the
    designations with their credit types' professions are the claim page's own
    (`designations_for`: cached, dropped when a designation or reference table changes)."""
    facts = _eligibility_facts(profiles)
    designations = designations_for(activity=activity)
    by_pk = {s.pk: s for s in sessions}
    shared: dict[EligibilityFacts, Eligibility] = {}
    eligibility: dict[int, Eligibility] = {}
    for learner_id, profile in profiles.items():
        same = facts[learner_id]
        if same not in shared:
            shared[same] = credit_eligibility(
                profile=profile, activity=activity, designations=designations, facts=same
            )
        eligibility[learner_id] = shared[same]
    found: dict[int, list[str]] = {}
    for claim in claims:
        session = by_pk[claim.session_id]
        session.activity = activity
        problems = claim_rule_problems(
            session=session,
            designation=claim.designation,
            hours=claim.hours,
            participated_on=claim.participated_on,
            attested_at=claim.attested_at,
            eligibility=eligibility.get(claim.learner_id),
        )
        if problems:
            found[claim.pk] = problems
    return found


def claim_flags(*, claim: Claim) -> list[str]:
    """Why the rules would not allow this active claim now, as the roster flags it (for
    the staff claim page). Queries: the profile (1), the rules' data (2; the designations
    are cached), the evaluation setup (1) and, when it requires one, the learner's
    responses on the activity (1)."""
    if claim.status != Claim.Status.ACTIVE:
        return []
    activity = claim.session.activity
    profile = LearnerProfile.objects.filter(user_id=claim.learner_id).first()
    problems = _claim_problems(
        activity=activity,
        sessions=[claim.session],
        profiles={claim.learner_id: profile} if profile else {},
        claims=[claim],
    )
    flags = []
    setup = evaluation_required(activity=activity)
    if setup is not None:
        missing = evaluation_missing(
            setup=setup,
            session_id=claim.session_id,
            learner_id=claim.learner_id,
            evaluated=_evaluated(activity=activity, learner_ids=[claim.learner_id]),
        )
        flags = [missing] if missing else []
    return flags + problems.get(claim.pk, [])


def roster_flagged_learner_ids(
    *, activity: Activity, sessions: list[Session], session_id: int | None
) -> list[int]:
    """The learners with a flagged row (over a maximum, a claim the rules would not allow
    now, or credit without the evaluation required), for the roster's "flagged" filter.
    Constant queries: the active claims (1), the claimers' profiles (1), the rules' data
    (2; the designations are cached), the evaluation setup (1) and, when it requires one,
    the activity's responses of those claimers (1); for one session of a conference one
    more for the totals."""
    chosen = _chosen(sessions, session_id)
    claims = _active_claims(chosen_ids=[s.pk for s in chosen], of_learners=Q())
    over = _over_maximum(activity=activity, claims=claims, session_id=session_id, of_learners=Q())
    profiles = {
        p.user_id: p
        for p in LearnerProfile.objects.filter(user_id__in={c.learner_id for c in claims}).only(
            "id", "user_id", "profession_id", "nabp_eprofile_id", "birth_month", "birth_day"
        )
    }
    problems = _claim_problems(
        activity=activity, sessions=chosen, profiles=profiles, claims=claims
    )
    # A claimer without a profile is flagged too ("no profile, so no credit type applies").
    flagged = over | {c.learner_id for c in claims if c.pk in problems}
    setup = evaluation_required(activity=activity)
    if setup is not None:
        # Only the activity's own responses, of the learners with a claim in the chosen
        # sessions: the cost grows with the activity, not the instance.
        claimers = Claim.objects.filter(
            session_id__in=[s.pk for s in chosen], status=Claim.Status.ACTIVE
        ).values("learner_id")
        evaluated = _evaluated(activity=activity, learner_ids=claimers)
        flagged.update(
            c.learner_id
            for c in claims
            if evaluation_missing(
                setup=setup,
                session_id=c.session_id,
                learner_id=c.learner_id,
                evaluated=evaluated,
            )
        )
    return sorted(flagged)


def roster_totals(
    *, activity: Activity, sessions: list[Session], session_id: int | None
) -> RosterTotals:
    """Counts of learners and hours per credit type for the whole roster (all pages):
    two aggregate queries whatever the number of learners."""
    from django.contrib.auth import get_user_model

    chosen_ids = [s.pk for s in _chosen(sessions, session_id)]
    conditions = _Conditions(activity=activity, chosen_ids=chosen_ids)
    users = get_user_model().objects.all()
    counts = users.filter(_users_among(conditions.in_roster, using=users.db)).aggregate(
        learners=Count("pk"),
        attended=Count("pk", filter=Q(pk__in=conditions.attended)),
        evaluated=Count("pk", filter=Q(pk__in=conditions.evaluated)),
        claimed=Count("pk", filter=Q(pk__in=conditions.claimed)),
    )
    hours = [
        (
            row["designation__credit_type__short_name"],
            UnitWords(
                row["designation__credit_type__unit_singular"],
                row["designation__credit_type__unit"],
            ),
            row["hours"],
        )
        for row in Claim.objects.filter(session_id__in=chosen_ids, status=Claim.Status.ACTIVE)
        .values(
            "designation__credit_type__sort_order",
            "designation__credit_type__code",
            "designation__credit_type__short_name",
            "designation__credit_type__unit_singular",
            "designation__credit_type__unit",
        )
        .annotate(hours=Sum("hours"))
        .order_by("designation__credit_type__sort_order", "designation__credit_type__code")
    ]
    return RosterTotals(
        learners=counts["learners"],
        attended=counts["attended"],
        evaluated=counts["evaluated"],
        claimed=counts["claimed"],
        hours=hours,
    )


def roster_for(*, activity: Activity, session_id: int | None = None) -> Roster:
    """The whole roster (for exports): one row per learner and session who attended,
    evaluated or claimed, by session then name.

    Queries (constant in the number of learners): sessions (1), learners with their
    profile and profession (1), attendances, evaluation responses and active claims (3).
    """
    sessions = roster_sessions(activity=activity)
    filters = RosterFilters(session_id=session_id)
    learners = list(roster_learners(activity=activity, sessions=sessions, filters=filters))
    rows = roster_rows(
        activity=activity,
        sessions=sessions,
        learners=learners,
        session_id=session_id,
        everyone=True,
    )
    rows.sort(key=lambda r: (r.session.starts_at, r.session.pk))  # stable: names stay sorted
    return Roster(activity=activity, sessions=sessions, rows=rows)


def claim_history(*, claim: Claim) -> QuerySet[Any]:
    from celedger.core.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type=claim._meta.label_lower, object_id=str(claim.pk)
    ).select_related("actor")


# Over-maximum claims ----------------------------------------------------------------


@dataclass(frozen=True)
class Overclaim:
    """Active credit above a maximum: the whole activity's, or one session's amount."""

    publisher_code: str
    activity_id: int
    activity_title: str
    learner_id: int
    learner_email: str
    credit_type: str
    scope: str  # "activity" or the session's Event ID
    claimed: Decimal
    maximum: Decimal
    claim_ids: tuple[int, ...]


def overclaims(*, publisher_code: str = "", activity: Activity | None = None) -> list[Overclaim]:
    """Every learner's active credit above its maximum, computed from the claims
    themselves (not the balances), so it also finds totals that a lowered maximum left
    behind. Queries: the over-maximum totals, one per total for its claim ids, and the
    rows above their session's amount (a command's report, not a page)."""
    claims = Claim.objects.filter(status=Claim.Status.ACTIVE)
    if publisher_code:
        claims = claims.filter(session__activity__publisher__code=publisher_code)
    if activity is not None:
        claims = claims.filter(session__activity=activity)
    fields = (
        "session__activity__publisher__code",
        "session__activity_id",
        "session__activity__title",
        "learner_id",
        "learner__email",
        "designation_id",
        "designation__credit_type__short_name",
        "designation__max_hours",
    )
    pooled = (
        claims.exclude(session__activity__structure=Activity.Structure.SERIES)
        .values(*fields)
        .annotate(total=Sum("hours"))
        .filter(total__gt=F("designation__max_hours"))
        .order_by(*fields)
    )
    found: list[Overclaim] = []
    for row in pooled:
        ids = tuple(
            claims.filter(learner_id=row["learner_id"], designation_id=row["designation_id"])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        found.append(
            Overclaim(
                publisher_code=row["session__activity__publisher__code"],
                activity_id=row["session__activity_id"],
                activity_title=row["session__activity__title"],
                learner_id=row["learner_id"],
                learner_email=row["learner__email"],
                credit_type=row["designation__credit_type__short_name"],
                scope="activity",
                claimed=Decimal(row["total"]).quantize(Decimal("0.01")),
                maximum=row["designation__max_hours"],
                claim_ids=ids,
            )
        )
    for claim in (
        claims.filter(hours__gt=F("max_hours"))
        .select_related("session__activity__publisher", "learner", "designation__credit_type")
        .order_by("pk")
    ):
        found.append(
            Overclaim(
                publisher_code=claim.session.activity.publisher.code,
                activity_id=claim.session.activity_id,
                activity_title=claim.session.activity.title,
                learner_id=claim.learner_id,
                learner_email=claim.learner.email,
                credit_type=claim.designation.credit_type.short_name,
                scope=claim.session.event_id,
                claimed=claim.hours,
                maximum=claim.max_hours,
                claim_ids=(claim.pk,),
            )
        )
    return found
