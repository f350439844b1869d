"""Which of an activity's credit designations a learner may claim (DESIGN.md, Credit rules).

Pure: takes already-loaded objects and touches the database only through the
relations it is given (prefetch them for lists). No request, no URLs: the view turns
`needs_profile` into a link to the profile page.
"""

from dataclasses import dataclass, field
from typing import Any

from celedger.accreditation.selectors import profession_ids_for
from celedger.activities.models import Activity, CreditDesignation
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


def learner_profession_ids(profile: LearnerProfile) -> set[int]:
    """The profile's profession plus the professions its credentials decide (an MD, RN has
    both); a degree such as PhD or MS decides none, so credit follows the chosen profession."""
    return profession_ids_for(
        credentials=profile.credentials.all(), profession_id=profile.profession_id
    )


def credit_eligibility(
    *,
    profile: LearnerProfile,
    activity: Activity,
    designations: list[CreditDesignation] | None = None,
) -> Eligibility:
    """Split the activity's designations into eligible, blocked (fixable) and not applicable."""
    if designations is None:
        designations = list(
            activity.designations.select_related("credit_type__board").prefetch_related(
                "credit_type__professions"
            )
        )
    professions = learner_profession_ids(profile)
    # Board certifications matter only for MOC credit (no query without it).
    certifications = (
        list(profile.board_certifications.all())
        if any(d.credit_type.board_id for d in designations)
        else []
    )
    consented_boards = {bc.board_id for bc in certifications if bc.consented_at is not None}
    diplomate_boards = {bc.board_id for bc in certifications}
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
        if ct.requires_nabp and not profile.has_nabp_data:
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
