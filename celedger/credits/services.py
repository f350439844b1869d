"""Writes to the ledger: claim, award, correct, revoke. Every change is audited."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from celedger.activities.models import CreditDesignation, Session
from celedger.core.decimals import is_quarter_step
from celedger.core.outbox import outbox_enqueue
from celedger.core.services import audit_record
from celedger.credits.eligibility import credit_eligibility
from celedger.credits.models import Claim
from celedger.credits.selectors import (
    claim_window_state,
    designations_for_activity,
    profile_for_eligibility,
)

HOURS_FIELD = "hours_{}"


@dataclass
class ClaimResult:
    created: list[Claim] = field(default_factory=list)
    # Designations already claimed before this submission (double click, second tab).
    existing: list[Claim] = field(default_factory=list)


def _hours_error(value: Any, designation: CreditDesignation) -> str | None:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "Enter the hours as a number, such as 1.25."
    if not hours.is_finite() or hours <= 0:
        return "Enter more than 0 hours."
    if not is_quarter_step(hours):
        return "Enter hours in quarter-hour steps (0.25, 0.5, 0.75 …)."
    if hours > designation.max_hours:
        return f"The most you can claim is {designation.max_hours.normalize():f}."
    return None


def _announce(*, learner_id: int, activity_id: int) -> None:
    # Recorded with the claim (same transaction); the outbox worker sends claims_changed,
    # so a listener's work (certificate, records) is never lost to a crash after commit.
    outbox_enqueue(
        kind="credits.claims_changed",
        payload={"learner_id": learner_id, "activity_id": activity_id},
    )


def _create_active(**fields: Any) -> tuple[Claim, bool]:
    """Insert one active claim or return the active one already there.

    The partial unique constraint decides races: the loser's INSERT fails inside its
    own savepoint, so the surrounding transaction stays usable and reads the winner.
    """
    try:
        with transaction.atomic():
            claim = Claim(status=Claim.Status.ACTIVE, **fields)
            claim.full_clean(validate_constraints=False)
            claim.save()
            return claim, True
    except IntegrityError:
        existing = Claim.objects.get(
            learner=fields["learner"],
            session=fields["session"],
            designation=fields["designation"],
            status=Claim.Status.ACTIVE,
        )
        return existing, False


def claim_submit(
    *,
    learner: Any,
    session: Session,
    hours_by_designation: Mapping[int, Any],
    attested: bool,
    now: Any = None,
) -> ClaimResult:
    """Claim credit for `session`: the learner's own, inside the window, after evaluating.

    Idempotent per designation: an active claim already there is returned, not changed.
    Raises ValidationError keyed by form field (`hours_<designation id>`, `attested`).
    """
    from celedger.evaluations.selectors import evaluation_is_complete

    now = now or timezone.now()
    activity = session.activity
    errors: dict[str, list[str]] = {}
    if not attested:
        errors["attested"] = ["Tick the attestation to claim credit."]
    state = claim_window_state(session=session, now=now)
    if state != "open":
        raise ValidationError(
            "Claiming is not open for this session."
            if state == "not_yet"
            else "The claim period for this session has ended."
        )
    if not evaluation_is_complete(learner=learner, session=session):
        raise ValidationError("Complete the evaluation before claiming credit.")
    profile = profile_for_eligibility(user=learner)
    if profile is None:
        raise ValidationError("Complete your profile before claiming credit.")
    designations = designations_for_activity(activity=activity)
    eligibility = credit_eligibility(profile=profile, activity=activity, designations=designations)
    by_id = {d.pk: d for d in eligibility.eligible}
    for designation_id, value in hours_by_designation.items():
        designation = by_id.get(int(designation_id))
        key = HOURS_FIELD.format(designation_id)
        if designation is None:
            errors[key] = ["You cannot claim this credit type."]
            continue
        problem = _hours_error(value, designation)
        if problem:
            errors[key] = [problem]
    if not hours_by_designation and not errors:
        raise ValidationError("Choose the credit to claim.")
    if errors:
        raise ValidationError(errors)

    result = ClaimResult()
    with transaction.atomic():
        for designation_id, value in hours_by_designation.items():
            claim, created = _create_active(
                learner=learner,
                session=session,
                designation=by_id[int(designation_id)],
                hours=Decimal(str(value)),
                attested_at=now,
            )
            if created:
                audit_record(
                    actor=learner,
                    action="claim.create",
                    obj=claim,
                    new={
                        "session": session.event_id,
                        "credit_type": claim.designation.credit_type.code,
                        "hours": claim.hours,
                    },
                )
                result.created.append(claim)
            else:
                result.existing.append(claim)
        if result.created:
            _announce(learner_id=learner.pk, activity_id=activity.pk)
    return result


def claim_award(
    *,
    actor: Any,
    learner: Any,
    session: Session,
    designation: CreditDesignation,
    hours: Any,
    reason: str,
) -> Claim:
    """Staff award credit on a learner's behalf (the late-claim exception): no window,
    no evaluation check; the reason is kept in the audit log."""
    if designation.activity_id != session.activity_id:
        raise ValidationError({"designation": ["That credit type is not on this activity."]})
    problem = _hours_error(hours, designation)
    if problem:
        raise ValidationError({"hours": [problem]})
    if not reason.strip():
        raise ValidationError({"reason": ["Give a reason; it goes into the audit log."]})
    with transaction.atomic():
        claim, created = _create_active(
            learner=learner,
            session=session,
            designation=designation,
            hours=Decimal(str(hours)),
            attested_at=timezone.now(),
            awarded_by=actor,
        )
        if not created:
            raise ValidationError(
                "This learner already has this credit for this session: correct its hours instead."
            )
        audit_record(
            actor=actor,
            action="claim.award",
            obj=claim,
            new={
                "learner": learner.email,
                "session": session.event_id,
                "credit_type": designation.credit_type.code,
                "hours": claim.hours,
            },
            reason=reason.strip(),
        )
        _announce(learner_id=learner.pk, activity_id=session.activity_id)
    return claim


def claim_correct(*, actor: Any, claim: Claim, hours: Any, reason: str) -> Claim:
    """Change an active claim's hours; old and new values go to the audit log."""
    if not reason.strip():
        raise ValidationError({"reason": ["Give a reason; it goes into the audit log."]})
    with transaction.atomic():
        locked = (
            Claim.objects.select_for_update()
            .select_related("designation__credit_type", "session")
            .get(pk=claim.pk)
        )
        if locked.status != Claim.Status.ACTIVE:
            raise ValidationError("A revoked claim cannot be corrected; award it again instead.")
        problem = _hours_error(hours, locked.designation)
        if problem:
            raise ValidationError({"hours": [problem]})
        new_hours = Decimal(str(hours))
        if new_hours == locked.hours:
            return locked
        old_hours = locked.hours
        locked.hours = new_hours
        locked.awarded_by = actor
        locked.full_clean(validate_constraints=False)
        locked.save(update_fields=["hours", "awarded_by", "updated_at"])
        audit_record(
            actor=actor,
            action="claim.correct",
            obj=locked,
            old={"hours": old_hours},
            new={"hours": new_hours},
            reason=reason.strip(),
        )
        _announce(learner_id=locked.learner_id, activity_id=locked.session.activity_id)
    return locked


def claim_revoke(*, actor: Any, claim: Claim, reason: str) -> Claim:
    """Revoke an active claim (never delete); the row stays for the accreditors."""
    if not reason.strip():
        raise ValidationError({"reason": ["Give a reason; it goes into the audit log."]})
    with transaction.atomic():
        locked = Claim.objects.select_for_update().select_related("session").get(pk=claim.pk)
        if locked.status == Claim.Status.REVOKED:
            return locked
        locked.status = Claim.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoke_reason = reason.strip()
        locked.save(update_fields=["status", "revoked_at", "revoke_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="claim.revoke",
            obj=locked,
            old={"status": Claim.Status.ACTIVE},
            new={"status": Claim.Status.REVOKED},
            reason=reason.strip(),
        )
        _announce(learner_id=locked.learner_id, activity_id=locked.session.activity_id)
    return locked


def claims_move_to(*, actor: Any, source: Any, target: Any, reason: str) -> int:
    """Give every claim of `source` to `target` (an account merge); audited per claim.

    Refused (ValidationError) when both hold an active claim for the same session and
    designation: which one is right is a person's call, not the merge's.
    """
    with transaction.atomic():
        claims = list(
            Claim.objects.select_for_update().filter(learner=source).select_related("session")
        )
        active_target = set(
            Claim.objects.filter(learner=target, status=Claim.Status.ACTIVE).values_list(
                "session_id", "designation_id"
            )
        )
        clashes = [
            c
            for c in claims
            if c.status == Claim.Status.ACTIVE
            and (c.session_id, c.designation_id) in active_target
        ]
        if clashes:
            raise ValidationError(
                "Both accounts hold active credit for the same session and credit type; "
                "revoke one of them first."
            )
        activities = set()
        for claim in claims:
            Claim.objects.filter(pk=claim.pk).update(learner=target)
            audit_record(
                actor=actor,
                action="claim.move",
                obj=claim,
                old={"learner": source.email},
                new={"learner": target.email},
                reason=reason,
            )
            activities.add(claim.session.activity_id)
        for activity_id in activities:
            _announce(learner_id=source.pk, activity_id=activity_id)
            _announce(learner_id=target.pk, activity_id=activity_id)
    return len(claims)
