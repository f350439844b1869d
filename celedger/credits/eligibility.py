"""Which of an activity's credit designations a learner may claim (DESIGN.md, Credit rules).

Pure: takes already-loaded objects and touches the database only through the
relations it is given (prefetch them for lists). No request, no URLs: the view turns
`needs_profile` into a link to the profile page.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from celedger.accreditation.phrases import credit_amount_phrase
from celedger.accreditation.selectors import profession_ids_for
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.profiles.models import LearnerProfile


@dataclass(frozen=True)
class Blocked:
    """A designation the learner cannot claim now, with why and how to fix it."""

    designation: CreditDesignation
    reason: str
    # True when completing the profile lifts the block (the page links to it).
    needs_profile: bool = False
    fix: str = ""


@dataclass
class Eligibility:
    eligible: list[CreditDesignation] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    # Not for this learner's profession: listed quietly, nothing to fix.
    not_applicable: list[Blocked] = field(default_factory=list)

    def is_eligible(self, designation_id: int) -> bool:
        return any(d.pk == designation_id for d in self.eligible)

    def why_not(self, designation_id: int) -> str:
        """Why the learner may not claim the designation now ("" when they may)."""
        if self.is_eligible(designation_id):
            return ""
        for blocked in (*self.blocked, *self.not_applicable):
            if blocked.designation.pk == designation_id:
                return blocked.reason
        return "This credit type is not for this learner."


def learner_profession_ids(profile: LearnerProfile) -> set[int]:
    """The profile's profession plus the professions its credentials decide (an MD, RN has
    both); a degree such as PhD or MS decides none, so credit follows the chosen profession."""
    return profession_ids_for(
        credentials=profile.credentials.all(), profession_id=profile.profession_id
    )


@dataclass(frozen=True)
class EligibilityFacts:
    """All `credit_eligibility` reads of a profile: learners with the same facts get the
    same answer, and a list can build them in bulk instead of prefetching every profile."""

    profession_ids: frozenset[int]
    diplomate_boards: frozenset[int]
    consented_boards: frozenset[int]
    has_nabp_data: bool


def eligibility_facts(
    profile: LearnerProfile, *, credentials: Any = None, board_certifications: Any = None
) -> EligibilityFacts:
    """The profile's facts, from its (prefetched) relations or the ones given."""
    if credentials is None:
        credentials = profile.credentials.all()
    boards = list(
        profile.board_certifications.all()
        if board_certifications is None
        else board_certifications
    )
    return EligibilityFacts(
        profession_ids=frozenset(
            profession_ids_for(credentials=credentials, profession_id=profile.profession_id)
        ),
        diplomate_boards=frozenset(b.board_id for b in boards),
        consented_boards=frozenset(b.board_id for b in boards if b.consented_at is not None),
        has_nabp_data=profile.has_nabp_data,
    )


def credit_eligibility(
    *,
    profile: LearnerProfile,
    activity: Activity,
    designations: list[CreditDesignation] | None = None,
    facts: EligibilityFacts | None = None,
) -> Eligibility:
    """Split the activity's designations into eligible, blocked (fixable) and not applicable."""
    if designations is None:
        designations = list(
            activity.designations.select_related("credit_type__board").prefetch_related(
                "credit_type__professions"
            )
        )
    if facts is None:
        # Board certifications matter only for MOC credit (no query without it).
        needs_boards = any(d.credit_type.board_id for d in designations)
        facts = eligibility_facts(profile, board_certifications=None if needs_boards else [])
    professions = facts.profession_ids
    consented_boards = facts.consented_boards
    diplomate_boards = facts.diplomate_boards
    result = Eligibility()
    participation: list[CreditDesignation] = []
    has_profession_specific = False

    for designation in designations:
        ct = designation.credit_type
        type_professions = {p.pk for p in ct.professions.all()}
        matches = bool(professions & type_professions)
        name = ct.short_name or ct.name

        if ct.is_participation:
            participation.append(designation)
            continue
        if ct.is_ipce:
            if activity.is_ipce:
                result.eligible.append(designation)
            else:
                result.not_applicable.append(
                    Blocked(designation, f"{name} is only for activities planned by the team.")
                )
            continue
        if ct.board_id is not None:
            board_code = ct.board.code if ct.board else "the board"
            if not matches and ct.board_id not in diplomate_boards:
                result.not_applicable.append(
                    Blocked(designation, f"{name} is for {board_code} diplomates.")
                )
                continue
            has_profession_specific = has_profession_specific or matches
            if ct.board_id not in diplomate_boards:
                result.blocked.append(
                    Blocked(
                        designation,
                        f"{name} needs your {board_code} board certification and diplomate ID.",
                        needs_profile=True,
                        fix="Add your board",
                    )
                )
            elif ct.board_id not in consented_boards:
                result.blocked.append(
                    Blocked(
                        designation,
                        f"{name} needs your consent to report your completion to {board_code}.",
                        needs_profile=True,
                        fix="Give consent in your profile",
                    )
                )
            else:
                result.eligible.append(designation)
            continue
        if not matches:
            result.not_applicable.append(
                Blocked(designation, f"{name} is not for your profession.")
            )
            continue
        has_profession_specific = True
        if ct.requires_nabp and not facts.has_nabp_data:
            result.blocked.append(
                Blocked(
                    designation,
                    f"{ct.accreditor or name} credit needs your NABP e-Profile ID and birth date.",
                    needs_profile=True,
                    fix="Add them",
                )
            )
            continue
        result.eligible.append(designation)

    # Participation is the fallback for professions the activity does not designate for.
    for designation in participation:
        name = designation.credit_type.short_name or designation.credit_type.name
        if has_profession_specific:
            result.not_applicable.append(
                Blocked(designation, f"{name}: you receive credit for your profession instead.")
            )
        else:
            result.eligible.append(designation)
    return result


def partial_credit_allowed(designation: CreditDesignation) -> bool:
    """Whether a learner may claim less than a session's full amount of this credit: the
    credit type's rule in reference data (`CreditType.partial_credit`, docs/credits.md).
    AMA PRA yes ("commensurate with the extent of participation"); ACPE (the UAN's hours)
    and ABP MOC no; ANCC and the others by the sessions attended, each in full."""
    return designation.credit_type.allows_partial


def profile_prefetches() -> list[Any]:
    """What `credit_eligibility` reads from a profile; prefetch these for lists."""
    return ["credentials", "board_certifications"]


# When credit may be claimed (docs/credits.md, Activity structures) --------------------


def long_date(day: datetime.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def session_date(session: Session) -> datetime.date:
    """A live session's date at its publisher: the only date live credit is for."""
    activity = session.activity
    return session.starts_at.astimezone(activity.publisher.zone).date()


def home_study_window_problem(*, activity: Activity, completed_on: datetime.date) -> str:
    """Home-study credit is for completions between release and expiry ("" inside)."""
    if activity.starts_on <= completed_on <= activity.ends_on:
        return ""
    return (
        "Home-study credit is for completions between the course's release "
        f"({long_date(activity.starts_on)}) and expiry ({long_date(activity.ends_on)})."
    )


def claim_rule_problems(
    *,
    session: Session,
    designation: CreditDesignation,
    hours: Decimal,
    participated_on: datetime.date,
    attested_at: datetime.datetime,
    eligibility: Eligibility | None,
) -> list[str]:
    """Why the rules would not allow a claim as it stands, now (empty when they would):
    the learner's profession and profile (`credit_eligibility`), the participation date
    (a live session's own date; home study inside release and expiry), a claim made before
    the session started, and hours above the session's own amount."""
    activity = session.activity
    ct = designation.credit_type
    problems = []
    if eligibility is None:
        problems.append("The learner has no profile, so no credit type applies.")
    elif reason := eligibility.why_not(designation.pk):
        problems.append(f"Not eligible now (the learner is told: “{reason}”)")
    if activity.is_home_study:
        if window := home_study_window_problem(activity=activity, completed_on=participated_on):
            problems.append(f"Completed {long_date(participated_on)}. {window}")
    else:
        if participated_on != session_date(session):
            problems.append(
                f"Dated {long_date(participated_on)}, not the session's own date "
                f"({long_date(session_date(session))})."
            )
        if attested_at < session.starts_at:
            problems.append("Claimed before the session started.")
    cap = session.cap_for(designation)
    if hours > cap:
        problems.append(
            f"{credit_amount_phrase(ct, hours)} is more than this session offers "
            f"({credit_amount_phrase(ct, cap)})."
        )
    return problems
