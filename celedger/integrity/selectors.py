"""Reads for integrity: each person's disclosure state per activity, the gate, what learners
see, commercial support for PARS, and the console's page states."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from allauth.account.models import EmailAddress
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from celedger.activities.models import Activity, Session
from celedger.core.cache import cached_reference
from celedger.integrity.models import (
    DEFAULT_REMINDER_DAYS,
    DEFAULT_VALID_MONTHS,
    CommercialSupport,
    ContentRole,
    Disclosure,
    FinancialRelationship,
    GateOverride,
    IntegrityPolicy,
    PlanningRecord,
    RelationshipReview,
)
from celedger.publishers.models import Publisher

if TYPE_CHECKING:
    from celedger.accounts.models import User
    from celedger.core.models import AuditEvent


class PersonState(StrEnum):
    MISSING = "missing"  # no current disclosure to this publisher
    EXCLUDED = "excluded"  # owner/employee of an ineligible company, no exception
    REVIEW = "review"  # disclosed relationships not yet reviewed for this role
    MITIGATE = "mitigate"  # a relevant relationship without mitigation
    MITIGATED = "mitigated"  # relevant relationships, all mitigated
    CLEAR = "clear"  # no relevant financial relationships

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def blocks(self) -> bool:
        return self in BLOCKING


STATE_LABELS = {
    PersonState.MISSING: "Disclosure missing",
    PersonState.EXCLUDED: "Excluded: owner or employee of an ineligible company",
    PersonState.REVIEW: "Relationships to review",
    PersonState.MITIGATE: "Mitigation needed",
    PersonState.MITIGATED: "Relevant relationships mitigated",
    PersonState.CLEAR: "No relevant financial relationships",
}
BLOCKING = {PersonState.MISSING, PersonState.EXCLUDED, PersonState.REVIEW, PersonState.MITIGATE}


@dataclass
class RelationshipRow:
    relationship: FinancialRelationship
    review: RelationshipReview | None

    @property
    def is_relevant(self) -> bool:
        return self.review is not None and self.review.is_relevant


@dataclass
class RoleStatus:
    role: ContentRole
    disclosure: Disclosure | None
    rows: list[RelationshipRow]
    state: PersonState

    @property
    def relevant_rows(self) -> list[RelationshipRow]:
        return [row for row in self.rows if row.is_relevant]

    @property
    def where(self) -> str:
        session = self.role.session
        if session is None:
            return "Whole activity"
        return session.topic or session.event_id

    def problem(self) -> str:
        who = f"{self.role.name} ({self.role.get_role_display().lower()})"
        return {
            PersonState.MISSING: f"{who} has no current disclosure.",
            PersonState.EXCLUDED: f"{who} is an owner or employee of an ineligible company "
            "and no exception is recorded.",
            PersonState.REVIEW: f"{who} has disclosed relationships that are not reviewed yet.",
            PersonState.MITIGATE: f"{who} has a relevant relationship without mitigation.",
        }.get(self.state, "")


@dataclass
class ActivityIntegrity:
    activity_id: int
    roles: list[RoleStatus] = field(default_factory=list)
    override: GateOverride | None = None

    @property
    def blocking(self) -> list[RoleStatus]:
        return [status for status in self.roles if status.state.blocks]

    @property
    def problems(self) -> list[str]:
        return [status.problem() for status in self.blocking]

    @property
    def may_publish(self) -> bool:
        return not self.blocking or self.override is not None

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for status in self.roles:
            out[status.state.value] += 1
        return dict(out)


def policy_for(*, publisher: Publisher) -> IntegrityPolicy:
    """The publisher's policy, or the defaults (12 months, remind 30 days before) unsaved."""
    policy = IntegrityPolicy.objects.filter(publisher=publisher).first()
    if policy is None:
        policy = IntegrityPolicy(
            publisher=publisher,
            disclosure_valid_months=DEFAULT_VALID_MONTHS,
            reminder_days_before=DEFAULT_REMINDER_DAYS,
        )
    return policy


def current_disclosures(
    *, pairs: Iterable[tuple[int, int]], on: datetime.date
) -> dict[tuple[int, int], Disclosure]:
    """The newest disclosure valid on `on` per (person id, publisher id), relationships
    prefetched. Two queries whatever the number of people."""
    pairs = set(pairs)
    if not pairs:
        return {}
    people = {person for person, _ in pairs}
    publishers = {publisher for _, publisher in pairs}
    found: dict[tuple[int, int], Disclosure] = {}
    disclosures = (
        Disclosure.objects.filter(
            person_id__in=people, publisher_id__in=publishers, valid_until__gte=on
        )
        .prefetch_related("relationships")
        .order_by("-submitted_at", "-pk")
    )
    for disclosure in disclosures:
        key = (disclosure.person_id, disclosure.publisher_id)
        if key in pairs and key not in found:
            found[key] = disclosure
    return found


def _state(disclosure: Disclosure | None, rows: list[RelationshipRow]) -> PersonState:
    if disclosure is None:
        return PersonState.MISSING
    if disclosure.is_excluded:
        return PersonState.EXCLUDED
    if any(row.review is None for row in rows):
        return PersonState.REVIEW
    if any(row.review is not None and not row.review.is_mitigated for row in rows):
        return PersonState.MITIGATE
    if any(row.is_relevant for row in rows):
        return PersonState.MITIGATED
    return PersonState.CLEAR


def integrity_for_activities(
    *, activities: Iterable[Activity], on: datetime.date | None = None
) -> dict[int, ActivityIntegrity]:
    """Each activity's people in control of content with their state, and its override.

    At most five queries for any number of activities (roles, disclosures, relationships,
    reviews, overrides): the console list stays flat.
    """
    on = on or timezone.localdate()
    activities = list(activities)
    result = {a.pk: ActivityIntegrity(activity_id=a.pk) for a in activities if a.pk}
    if not result:
        return result
    publisher_of = {a.pk: a.publisher_id for a in activities}
    roles = list(
        ContentRole.objects.filter(activity_id__in=result, removed_at__isnull=True)
        .select_related("session")
        .order_by("role", "name", "pk")
    )
    if not roles:
        return result
    disclosures = current_disclosures(
        pairs=[(r.person_id, publisher_of[r.activity_id]) for r in roles if r.person_id],
        on=on,
    )
    reviews = {
        (review.content_role_id, review.relationship_id): review
        for review in RelationshipReview.objects.filter(content_role__in=roles)
    }
    for override in GateOverride.objects.filter(
        activity_id__in=result, withdrawn_at__isnull=True
    ).select_related("created_by"):
        entry = result[override.activity_id]
        if entry.override is None:  # newest first (Meta.ordering)
            entry.override = override
    for role in roles:
        disclosure = (
            disclosures.get((role.person_id, publisher_of[role.activity_id]))
            if role.person_id
            else None
        )
        rows = [
            RelationshipRow(relationship=rel, review=reviews.get((role.pk, rel.pk)))
            for rel in (disclosure.relationships.all() if disclosure else [])
        ]
        result[role.activity_id].roles.append(
            RoleStatus(role=role, disclosure=disclosure, rows=rows, state=_state(disclosure, rows))
        )
    return result


def activity_integrity(
    *, activity: Activity, on: datetime.date | None = None
) -> ActivityIntegrity:
    return integrity_for_activities(activities=[activity], on=on)[activity.pk]


# --- What learners see --------------------------------------------------------------------


@dataclass
class LearnerDisclosure:
    """Standard 3.5 and 4: before the content, each person and their relevant relationships
    (mitigated), or that none have any; and the commercial support received."""

    people: list[RoleStatus]
    supports: list[CommercialSupport]

    @property
    def is_empty(self) -> bool:
        return not self.people and not self.supports

    @property
    def none_relevant(self) -> bool:
        return all(status.state == PersonState.CLEAR for status in self.people)

    @property
    def all_mitigated(self) -> bool:
        return not any(status.state.blocks for status in self.people)


def disclosure_flags_key(activity_id: int) -> str:
    return f"integrity-disclosure-flags:{activity_id}"


def disclosure_flags(*, activity_id: int) -> dict[str, bool]:
    """Whether the activity has people in control of content and commercial support: read
    on every program and evaluation page, so cached per activity until a content role or a
    support is saved or deleted (receivers in integrity/apps.py). One query when not cached."""

    def build() -> dict[str, bool]:
        row = (
            Activity.objects.filter(pk=activity_id)
            .annotate(
                has_roles=Exists(
                    ContentRole.objects.filter(activity=OuterRef("pk"), removed_at__isnull=True)
                ),
                has_support=Exists(CommercialSupport.objects.filter(activity=OuterRef("pk"))),
            )
            .values("has_roles", "has_support")
            .first()
        )
        if row is None:
            return {"has_roles": False, "has_support": False}
        return {"has_roles": bool(row["has_roles"]), "has_support": bool(row["has_support"])}

    return cached_reference(disclosure_flags_key(activity_id), build)


def learner_disclosure(*, activity: Activity, session: Session | None = None) -> LearnerDisclosure:
    """No query when the activity has neither people nor support (most pages; the flags are
    cached, `disclosure_flags`), else ~6."""
    flags = disclosure_flags(activity_id=activity.pk)
    if not flags["has_roles"] and not flags["has_support"]:
        return LearnerDisclosure(people=[], supports=[])
    state = activity_integrity(activity=activity)
    people = [
        status
        for status in state.roles
        if status.role.session_id is None
        or session is None
        or status.role.session_id == session.pk
    ]
    supports = list(CommercialSupport.objects.filter(activity=activity))
    return LearnerDisclosure(people=people, supports=supports)


# --- PARS (TEAM.md interface 4) -----------------------------------------------------------


@dataclass(frozen=True)
class SupportSummary:
    name: str
    kind: Literal["monetary", "in_kind"]
    amount: Decimal | None


def commercial_support_for_activities(
    *, activity_ids: Iterable[int]
) -> dict[int, list[SupportSummary]]:
    """Commercial support per activity for PARS activity data; activities without any are
    absent. One query."""
    out: dict[int, list[SupportSummary]] = {}
    rows = CommercialSupport.objects.filter(activity_id__in=list(activity_ids)).values_list(
        "activity_id", "supporter", "kind", "amount"
    )
    for activity_id, supporter, kind, amount in rows:
        out.setdefault(activity_id, []).append(
            SupportSummary(
                name=supporter, kind="in_kind" if kind == "in_kind" else "monetary", amount=amount
            )
        )
    return out


# --- Lookups --------------------------------------------------------------------------------


def content_role_get(*, activity: Activity, pk: int) -> ContentRole:
    role = (
        ContentRole.objects.filter(activity=activity, pk=pk, removed_at__isnull=True)
        .select_related("session", "person")
        .first()
    )
    if role is None:
        raise Http404
    role.activity = activity
    return role


def content_role_by_token(*, token: str) -> ContentRole | None:
    if not token or len(token) > 64:
        return None
    return (
        ContentRole.objects.select_related("activity", "activity__publisher", "session")
        .filter(token=token)
        .first()
    )


def support_get(*, activity: Activity, pk: int) -> CommercialSupport:
    support = CommercialSupport.objects.filter(activity=activity, pk=pk).first()
    if support is None:
        raise Http404
    support.activity = activity
    return support


def planning_for(*, activity: Activity) -> PlanningRecord:
    record = PlanningRecord.objects.filter(activity=activity).first()
    return record or PlanningRecord(activity=activity)


class InviteeCheck(StrEnum):
    ANONYMOUS = "anonymous"
    NEW = "new"  # anonymous, and no account has the invited address: may create one here
    OTHER_EMAIL = "other_email"
    UNVERIFIED = "unverified"
    MATCH = "match"


def invitee_check(*, role: ContentRole, user: "User | None") -> InviteeCheck:
    """Whether the visitor is the invited person (the same rule as staff invitations)."""
    from django.contrib.auth import get_user_model

    if user is None or not user.is_authenticated:
        exists = get_user_model().objects.filter(email__iexact=role.email).exists()
        return InviteeCheck.ANONYMOUS if exists else InviteeCheck.NEW
    addresses = EmailAddress.objects.filter(user=user, email__iexact=role.email)
    if any(address.verified for address in addresses):
        return InviteeCheck.MATCH
    if addresses or user.email.lower() == role.email.lower():
        return InviteeCheck.UNVERIFIED
    return InviteeCheck.OTHER_EMAIL


# --- The person's side ----------------------------------------------------------------------


@dataclass
class MyDisclosures:
    """The signed-in person's roles and, per publisher, their current disclosure."""

    roles: list[ContentRole]
    publishers: list[Publisher]
    current: dict[int, Disclosure]


def my_disclosures(*, user: "User") -> MyDisclosures:
    roles = list(
        ContentRole.objects.filter(person=user, removed_at__isnull=True)
        .select_related("activity", "activity__publisher", "session")
        .order_by("-activity__starts_on")
    )
    publishers = list({r.activity.publisher_id: r.activity.publisher for r in roles}.values())
    found = current_disclosures(
        pairs=[(user.pk, p.pk) for p in publishers], on=timezone.localdate()
    )
    return MyDisclosures(
        roles=roles,
        publishers=publishers,
        current={publisher_id: d for (_, publisher_id), d in found.items()},
    )


def publisher_for_discloser(*, user: "User", code: str) -> Publisher:
    """A publisher the user holds a content role at (so may disclose to), else 404."""
    publisher = Publisher.objects.filter(
        code=code,
        activities__content_roles__person=user,
        activities__content_roles__removed_at__isnull=True,
    ).first()
    if publisher is None:
        raise Http404
    return publisher


def disclosures_due_for_reminder(*, on: datetime.date) -> list[Disclosure]:
    """Current disclosures ending within their publisher's reminder period, not yet reminded,
    of people still holding a role in an activity that has not ended."""
    candidates = (
        Disclosure.objects.filter(
            valid_until__gte=on,
            reminded_at__isnull=True,
            valid_until__lte=on + datetime.timedelta(days=366),
        )
        .filter(
            Q(
                person__content_roles__removed_at__isnull=True,
                person__content_roles__activity__publisher=F("publisher"),
                # `on` is today in UTC; an activity's dates are its publisher's, at most a
                # day behind UTC: one day of slack keeps today's activities everywhere.
                person__content_roles__activity__ends_on__gte=on - datetime.timedelta(days=1),
            )
        )
        .select_related("person", "publisher", "publisher__integrity_policy")
        .distinct()
    )
    due = []
    for disclosure in candidates:
        policy = getattr(disclosure.publisher, "integrity_policy", None)
        days = policy.reminder_days_before if policy else DEFAULT_REMINDER_DAYS
        if disclosure.valid_until <= on + datetime.timedelta(days=days):
            due.append(disclosure)
    # Only the newest disclosure per person and publisher is reminded about.
    newest = current_disclosures(pairs=[(d.person_id, d.publisher_id) for d in due], on=on)
    return [d for d in due if newest.get((d.person_id, d.publisher_id)) == d]


# --- Console page state ---------------------------------------------------------------------


@dataclass
class IntegrityPage:
    """The activity's Integrity page: people and their state, the gate, support, planning."""

    activity: Activity
    state: ActivityIntegrity
    sessions: list[Session]
    supports: list[CommercialSupport]
    planning: PlanningRecord
    missing_professions: list[str]

    @property
    def is_published(self) -> bool:
        return self.activity.status == Activity.Status.PUBLISHED


def integrity_page(*, activity: Activity) -> IntegrityPage:
    state = activity_integrity(activity=activity)
    planning = planning_for(activity=activity)
    missing: list[str] = []
    if activity.is_ipce:
        # IPCE: planners from each target profession (Joint Accreditation).
        represented = {
            s.role.profession.strip().lower()
            for s in state.roles
            if s.role.role == ContentRole.Role.PLANNER and s.role.profession
        }
        missing = [
            p.name for p in activity.target_professions.all() if p.name.lower() not in represented
        ]
    return IntegrityPage(
        activity=activity,
        state=state,
        sessions=list(Session.objects.filter(activity=activity)),
        supports=list(CommercialSupport.objects.filter(activity=activity)),
        planning=planning,
        missing_professions=missing,
    )


def role_review_rows(*, activity: Activity, role: ContentRole) -> RoleStatus:
    """One person's status with their current disclosure's relationships and reviews."""
    state = activity_integrity(activity=activity)
    for status in state.roles:
        if status.role.pk == role.pk:
            return status
    raise Http404


def audit_for_activity_file(*, page: IntegrityPage) -> list["AuditEvent"]:
    """Every audit row about this activity's people, reviews, overrides, support and planning."""
    from celedger.core.models import AuditEvent

    activity = page.activity
    keys = {
        "integrity.contentrole": list(
            ContentRole.objects.filter(activity=activity).values_list("pk", flat=True)
        ),
        "integrity.relationshipreview": list(
            RelationshipReview.objects.filter(content_role__activity=activity).values_list(
                "pk", flat=True
            )
        ),
        "integrity.gateoverride": list(
            GateOverride.objects.filter(activity=activity).values_list("pk", flat=True)
        ),
        "integrity.commercialsupport": [s.pk for s in page.supports],
        "integrity.planningrecord": [page.planning.pk] if page.planning.pk else [],
    }
    query = Q(pk__in=[])
    for object_type, ids in keys.items():
        if ids:
            query |= Q(object_type=object_type, object_id__in=[str(i) for i in ids])
    return list(
        AuditEvent.objects.filter(query).select_related("actor").order_by("created_at", "pk")
    )


def override_get_active(*, activity: Activity, pk: int) -> GateOverride | None:
    """The activity's override by id, if it is still in force."""
    return GateOverride.objects.filter(activity=activity, pk=pk, withdrawn_at__isnull=True).first()
