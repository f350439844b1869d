"""Writes to the ledger: claim, award, correct, revoke. Every change is audited."""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from celedger.activities.models import Activity, Attendance, CreditDesignation, Session
from celedger.core.decimals import is_quarter_step
from celedger.core.outbox import outbox_enqueue
from celedger.core.rows import insert_instances
from celedger.core.services import audit_event, audit_record
from celedger.credits.eligibility import partial_credit_allowed
from celedger.credits.models import Claim, CreditBalance, TranscriptPdf
from celedger.credits.selectors import (
    ClaimPageState,
    TranscriptFilters,
    claim_page_state,
    participation_date,
    transcript_filters_from,
    transcript_filters_params,
    transcript_pdf_context,
    uan_in_force,
)

logger = logging.getLogger(__name__)
HOURS_FIELD = "hours_{}"
SESSIONS_FIELD = "sessions"
ZERO = Decimal("0")


@dataclass
class ClaimResult:
    created: list[Claim] = field(default_factory=list)
    # Designations already claimed before this submission (double click, second tab).
    existing: list[Claim] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimRow:
    """One claim to write: its session, designation and hours."""

    session: Session
    designation: CreditDesignation
    hours: Decimal
    participated_on: datetime.date


def _parse_hours(value: Any) -> tuple[Decimal | None, str | None]:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None, "Enter the hours as a number, such as 1.25."
    if not hours.is_finite() or hours <= 0:
        return None, "Enter more than 0 hours."
    if not is_quarter_step(hours):
        return None, "Enter hours in quarter-hour steps (0.25, 0.5, 0.75 …)."
    return hours, None


def _hours_error(value: Any, designation: CreditDesignation) -> str | None:
    hours, problem = _parse_hours(value)
    if problem:
        return problem
    assert hours is not None
    if hours > designation.max_hours:
        return f"The most you can claim is {_num(designation.max_hours)}."
    return None


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _announce(*, learner_id: int, activity_id: int) -> None:
    # Recorded with the claim (same transaction); the outbox worker sends claims_changed,
    # so a listener's work (certificate, records) is never lost to a crash after commit.
    outbox_enqueue(
        kind="credits.claims_changed",
        payload={"learner_id": learner_id, "activity_id": activity_id},
    )


class OverMaximum(ValidationError):
    """The database refused a total above the designated maximum (the balance CHECK)."""


def _over_maximum(designation: CreditDesignation) -> OverMaximum:
    ct = designation.credit_type
    return OverMaximum(
        f"That would bring the {ct.short_name or ct.name} credit for this activity above "
        f"its maximum of {_num(designation.max_hours)}."
    )


def _balance_increase(*, learner_id: int, designation: CreditDesignation, delta: Decimal) -> None:
    """Add `delta` (> 0) to the learner's pooled balance of `designation` in one statement.

    `INSERT … SELECT` the designation's maximum as the database holds it now (not as a
    cached designation says), `ON CONFLICT … DO UPDATE SET claimed = claimed + delta`:
    the row is created when missing, concurrent writers wait for each other on it, and
    the balance CHECK (claimed <= maximum) refuses a total above the maximum, new row or
    old. An increase drops any legacy allowance.
    """
    ops = connection.ops
    balance = ops.quote_name(CreditBalance._meta.db_table)
    sql = (
        f"INSERT INTO {balance} (learner_id, designation_id, claimed, maximum, "
        "legacy_claimed, updated_at) "
        "SELECT %s, id, %s, max_hours, 0, %s "
        f"FROM {ops.quote_name(CreditDesignation._meta.db_table)} WHERE id = %s "
        "ON CONFLICT (learner_id, designation_id) DO UPDATE SET "
        f"claimed = {balance}.claimed + excluded.claimed, maximum = excluded.maximum, "
        "legacy_claimed = 0, updated_at = excluded.updated_at"
    )
    params = [
        learner_id,
        ops.adapt_decimalfield_value(delta, 6, 2),
        ops.adapt_datetimefield_value(timezone.now()),
        designation.pk,
    ]
    # No savepoint: every caller lets OverMaximum end its transaction (rolled back whole).
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        raise _over_maximum(designation) from error


def _balance_add(*, learner_id: int, designation: CreditDesignation, delta: Decimal) -> None:
    """Add `delta` to the learner's pooled balance of `designation`.

    An increase is `_balance_increase` (one statement, the maximum copied from the
    database); a decrease touches only the total in one UPDATE, so a revoke or a
    correction downwards always succeeds.
    """
    if delta > 0:
        _balance_increase(learner_id=learner_id, designation=designation, delta=delta)
        return
    if delta == 0:
        return
    try:
        CreditBalance.objects.filter(learner_id=learner_id, designation=designation).update(
            claimed=F("claimed") + delta, updated_at=timezone.now()
        )
    except IntegrityError as error:
        raise _over_maximum(designation) from error


class _Conflict(Exception):
    """An INSERT of claims was refused: a duplicate active claim or a CHECK."""


# A double submit's loser retries with what the winner left unclaimed; a third refusal
# in a row would take a third submit racing the same claim.
CLAIM_ATTEMPTS = 3


def _write_claims(
    *,
    actor: Any,
    learner: Any,
    activity: Activity,
    rows: list[ClaimRow],
    action: str,
    reason: str = "",
    attested_at: datetime.datetime,
) -> ClaimResult:
    """Insert `rows` and move the pooled balances, in one transaction; audit each claim.

    The transaction is four kinds of statement, each one set: the claims (one INSERT),
    their audit rows (one INSERT), each designation's pooled balance (one upsert each,
    see `_balance_increase`) and the outbox message. The partial unique constraint
    decides double submits: the loser's INSERT is refused, its transaction rolls back
    whole and it tries again with the claims the winner did not write (which it then
    returns as `existing`). Rows are written in session and designation order, so
    concurrent submissions wait for each other in the same order (no deadlock); the
    balances move last.
    """
    ordered = sorted(rows, key=lambda r: (r.session.starts_at, r.session.pk, r.designation.pk))
    result = ClaimResult()
    for attempt in range(CLAIM_ATTEMPTS):
        if attempt:
            held = _held_claims(learner=learner, rows=ordered)
            result.existing.extend(held)
            pairs = {(c.session_id, c.designation_id) for c in held}
            left = [r for r in ordered if (r.session.pk, r.designation.pk) not in pairs]
            if len(left) == len(ordered):
                # Not a duplicate: a CHECK refused the row (hours above the session's amount).
                raise ValidationError("These hours are more than the session offers.")
            ordered = left
            if not ordered:
                return result
        try:
            result.created = _insert_claims(
                actor=actor,
                learner=learner,
                activity=activity,
                rows=ordered,
                action=action,
                reason=reason,
                attested_at=attested_at,
            )
        except _Conflict:
            continue
        return result
    raise ValidationError("This claim is being submitted elsewhere; try again.")


def _held_claims(*, learner: Any, rows: list[ClaimRow]) -> list[Claim]:
    """The active claims already held for any of `rows` (session, designation) pairs."""
    wanted = Q()
    for row in rows:
        wanted |= Q(session_id=row.session.pk, designation_id=row.designation.pk)
    return list(
        Claim.objects.filter(wanted, learner=learner, status=Claim.Status.ACTIVE)
        .select_related("designation__credit_type")
        .order_by("session_id", "designation_id")
    )


def _insert_claims(
    *,
    actor: Any,
    learner: Any,
    activity: Activity,
    rows: list[ClaimRow],
    action: str,
    reason: str,
    attested_at: datetime.datetime,
) -> list[Claim]:
    claims = [
        Claim(
            learner=learner,
            session=row.session,
            designation=row.designation,
            hours=row.hours,
            max_hours=row.session.cap_for(row.designation),
            participated_on=row.participated_on,
            uan=uan_in_force(session=row.session, designation=row.designation),
            attested_at=attested_at,
            status=Claim.Status.ACTIVE,
            awarded_by=actor if action == "claim.award" else None,
        )
        for row in rows
    ]
    added: dict[int, Decimal] = defaultdict(Decimal)
    designations: dict[int, CreditDesignation] = {}
    # A savepoint only inside an outer transaction (an award, a test), which a refused
    # INSERT then leaves usable for the retry's read; on its own, the transaction.
    with transaction.atomic():
        try:
            insert_instances(claims)
        except IntegrityError:
            # Nothing more runs in this transaction: leaving the block rolls it back.
            raise _Conflict from None
        events = []
        for claim in claims:
            new: dict[str, Any] = {
                "session": claim.session.event_id,
                "credit_type": claim.designation.credit_type.code,
                "hours": claim.hours,
                "participated_on": claim.participated_on.isoformat(),
            }
            if claim.uan:
                new["uan"] = claim.uan
            if action == "claim.award":
                new["learner"] = learner.email
            events.append(
                audit_event(actor=actor, action=action, obj=claim, new=new, reason=reason)
            )
            added[claim.designation.pk] += claim.hours
            designations[claim.designation.pk] = claim.designation
        insert_instances(events)
        if activity.pools_sessions:
            for designation_id in sorted(added):
                _balance_increase(
                    learner_id=learner.pk,
                    designation=designations[designation_id],
                    delta=added[designation_id],
                )
        if claims:
            _announce(learner_id=learner.pk, activity_id=activity.pk)
    return claims


def _spread(total: Decimal, caps: list[tuple[Session, Decimal]]) -> list[tuple[Session, Decimal]]:
    """Share `total` over sessions in order, each up to its own amount (docs/credits.md):
    the earliest sessions are filled first; a session left with nothing gets no claim."""
    shares = []
    left = total
    for session, cap in caps:
        share = min(cap, left)
        if share > 0:
            shares.append((session, share))
        left -= share
    return shares


def claim_rows_for(
    *,
    state: ClaimPageState,
    sessions: list[Session],
    designation: CreditDesignation,
    value: Any,
    partial_ok: bool | None = None,
) -> tuple[list[ClaimRow], str | None]:
    """The claim rows for `value` hours of `designation` over `sessions`, or the reason
    they cannot be written (keyed to that designation's field)."""
    hours, problem = _parse_hours(value)
    if problem:
        return [], problem
    assert hours is not None
    claimed_pairs = {(c.session_id, c.designation_id) for c in state.existing}
    caps = [
        (s, s.cap_for(designation))
        for s in sessions
        if (s.pk, designation.pk) not in claimed_pairs
    ]
    full = sum((cap for _, cap in caps), ZERO)
    remaining = state.remaining(designation)
    most = min(full, remaining)
    if partial_ok is None:
        partial_ok = partial_credit_allowed(designation)
    ct = designation.credit_type
    name = ct.short_name or ct.name
    if not caps:
        return [], f"You already hold this {name} credit for the sessions chosen."
    if not partial_ok:
        if full > remaining:
            return [], (
                f"{name} is claimed in full for each session; the sessions chosen "
                f"({_num(full)}) are more than the {_num(remaining)} left of the maximum."
            )
        if hours != full:
            return [], f"{name} is claimed in full: {_num(full)} for the sessions chosen."
    elif hours > most:
        scope = "for the sessions ticked" if state.is_conference else "for this session"
        return [], f"The most you can claim {scope} is {_num(most)}."
    rows = [
        ClaimRow(
            session=session,
            designation=designation,
            hours=share,
            participated_on=participation_date(session=session, completed_on=state.completed_on),
        )
        for session, share in _spread(hours, caps)
    ]
    return rows, None


def claim_submit(
    *,
    learner: Any,
    session: Session,
    hours_by_designation: Mapping[int, Any],
    attested: bool,
    now: datetime.datetime | None = None,
    session_ids: Iterable[int] | None = None,
    state: ClaimPageState | None = None,
) -> ClaimResult:
    """Claim credit: the learner's own, for sessions that have started and that they have
    evaluated, inside the window, within each session's amount and the maximum.

    A conference claims once over the ticked `session_ids` (default: every session the
    learner checked in to); other structures claim the one session. Idempotent per
    session and designation: an active claim already there is returned, not changed.
    Raises ValidationError keyed by form field (`hours_<designation id>`, `sessions`,
    `attested`).
    """
    if state is None:
        state = claim_page_state(learner=learner, session=session, now=now)
    errors: dict[str, list[str]] = {}
    if not attested:
        errors["attested"] = ["Tick the attestation to claim credit."]
    if state.blocked_reason:
        raise ValidationError(state.blocked_reason)
    selectable = {s.pk: s for s in state.selectable_sessions}
    if state.is_conference:
        wanted = (
            {int(pk) for pk in session_ids}
            if session_ids is not None
            else {s.session.pk for s in state.sessions if s.attended}
        )
        chosen = [selectable[pk] for pk in sorted(selectable) if pk in wanted]
        if wanted - set(selectable):
            errors[SESSIONS_FIELD] = [
                "Only sessions that have started and that you have evaluated can be claimed."
            ]
        elif not chosen:
            errors[SESSIONS_FIELD] = ["Tick the sessions you attended."]
    else:
        chosen = list(selectable.values())
    open_ids = {d.pk: d for d in state.to_claim}
    eligible_ids = {d.pk for d in state.eligibility.eligible} if state.eligibility else set()
    rows: list[ClaimRow] = []
    held: list[Claim] = []
    for designation_id, value in hours_by_designation.items():
        key = HOURS_FIELD.format(designation_id)
        gate = state.gates.get(int(designation_id))
        if gate is not None:
            errors[key] = [gate.reason]
            continue
        designation = open_ids.get(int(designation_id))
        if designation is None and int(designation_id) in eligible_ids:
            mine = [c for c in state.existing if c.designation_id == int(designation_id)]
            held_sessions = {c.session_id for c in mine}
            if all(s.pk in held_sessions for s in chosen):
                # A double click or a second tab: what is held stays as it is.
                held.extend(mine)
            else:
                errors[key] = ["You already hold the most this activity offers of this credit."]
            continue
        if designation is None:
            errors[key] = ["You cannot claim this credit type."]
            continue
        if not chosen:
            continue
        more, problem = claim_rows_for(
            state=state, sessions=chosen, designation=designation, value=value
        )
        if problem:
            errors[key] = [problem]
        rows.extend(more)
    if not hours_by_designation and not errors:
        if state.existing and not state.to_claim:
            return ClaimResult(existing=list(state.existing))
        raise ValidationError("Choose the credit to claim.")
    if errors:
        raise ValidationError(errors)
    result = _write_claims(
        actor=learner,
        learner=learner,
        activity=state.activity,
        rows=rows,
        action="claim.create",
        attested_at=state.now,
    )
    result.existing.extend(held)
    return result


def learner_took_part(*, learner: Any, activity: Activity) -> bool:
    """True when the learner checked in to, evaluated or claimed any of the activity's
    sessions: the only learners staff may award (walk-ins get a profile first)."""
    from celedger.evaluations.models import Response

    return (
        Attendance.objects.filter(learner=learner, session__activity=activity).exists()
        or Response.objects.filter(learner=learner, activity=activity).exists()
        or Claim.objects.filter(learner=learner, session__activity=activity).exists()
    )


NOT_A_PARTICIPANT = (
    "No learner with this email has checked in to this activity. A walk-in needs a check-in first."
)


def claim_award(
    *,
    actor: Any,
    learner: Any,
    session: Session,
    designation: CreditDesignation,
    hours: Any,
    reason: str,
    override: bool = False,
) -> Claim:
    """Staff award credit on a learner's behalf (a late claim): the same rules as the
    learner's own claim except the claim window, for a learner who took part.

    `override` lifts the learner's eligibility checks (profession, profile, evaluation);
    never the session's start, its amount or the designated maximum. The reason is
    required and audited either way.
    """
    if designation.activity_id != session.activity_id:
        raise ValidationError({"designation": ["That credit type is not on this activity."]})
    if not reason.strip():
        raise ValidationError({"reason": ["Give a reason; it goes into the audit log."]})
    activity = session.activity
    if not learner_took_part(learner=learner, activity=activity):
        raise ValidationError({"email": [NOT_A_PARTICIPANT]})
    state = claim_page_state(learner=learner, session=session)
    if session.starts_at > state.now:
        raise ValidationError({"session": ["This session has not started yet."]})
    eligible = state.eligibility is not None and state.eligibility.is_eligible(designation.pk)
    if not override:
        if not eligible:
            raise ValidationError(
                {
                    "designation": [
                        "This learner's profile does not qualify for this credit type; "
                        "tick override to award it anyway (the reason is audited)."
                    ]
                }
            )
        if not next((s.evaluated for s in state.sessions if s.session.pk == session.pk), True):
            raise ValidationError(
                {
                    "session": [
                        "This learner has not evaluated the session; tick override to "
                        "award it anyway (the reason is audited)."
                    ]
                }
            )
    if any(
        c.session_id == session.pk and c.designation_id == designation.pk for c in state.existing
    ):
        raise ValidationError(
            "This learner already has this credit for this session: correct its hours instead."
        )
    rows, problem = claim_rows_for(
        state=state,
        sessions=[session],
        designation=designation,
        value=hours,
    )
    if problem:
        raise ValidationError({"hours": [problem]})
    with transaction.atomic():
        result = _write_claims(
            actor=actor,
            learner=learner,
            activity=activity,
            rows=rows,
            action="claim.award",
            reason=reason.strip() + (" (eligibility overridden)" if override else ""),
            attested_at=timezone.now(),
        )
    if not result.created:
        raise ValidationError(
            "This learner already has this credit for this session: correct its hours instead."
        )
    return result.created[0]


def claim_correct(*, actor: Any, claim: Claim, hours: Any, reason: str) -> Claim:
    """Change an active claim's hours within its session's amount and the maximum; old
    and new values go to the audit log."""
    if not reason.strip():
        raise ValidationError({"reason": ["Give a reason; it goes into the audit log."]})
    with transaction.atomic():
        locked = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("designation__credit_type__board", "session__activity__publisher")
            .get(pk=claim.pk)
        )
        if locked.status != Claim.Status.ACTIVE:
            raise ValidationError("A revoked claim cannot be corrected; award it again instead.")
        new_hours, problem = _parse_hours(hours)
        if problem:
            raise ValidationError({"hours": [problem]})
        assert new_hours is not None
        cap = locked.session.cap_for(locked.designation)
        if new_hours > cap:
            raise ValidationError({"hours": [f"The most this session offers is {_num(cap)}."]})
        if not partial_credit_allowed(locked.designation) and new_hours != cap:
            ct = locked.designation.credit_type
            raise ValidationError(
                {
                    "hours": [
                        f"{ct.short_name or ct.name} is claimed in full ({_num(cap)}); "
                        "revoke the claim instead."
                    ]
                }
            )
        if new_hours == locked.hours and not locked.legacy_over_max:
            return locked
        old_hours = locked.hours
        activity = locked.session.activity
        if activity.pools_sessions:
            try:
                _balance_add(
                    learner_id=locked.learner_id,
                    designation=locked.designation,
                    delta=new_hours - old_hours,
                )
            except OverMaximum as error:
                raise ValidationError({"hours": error.messages}) from None
        locked.hours = new_hours
        locked.max_hours = cap
        locked.legacy_over_max = False
        locked.awarded_by = actor
        locked.save(
            update_fields=["hours", "max_hours", "legacy_over_max", "awarded_by", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="claim.correct",
            obj=locked,
            old={"hours": old_hours},
            new={"hours": new_hours},
            reason=reason.strip(),
        )
        _announce(learner_id=locked.learner_id, activity_id=activity.pk)
    return locked


def claim_revoke(*, actor: Any, claim: Claim, reason: str) -> Claim:
    """Revoke an active claim (never delete); the row stays for the accreditors."""
    if not reason.strip():
        raise ValidationError({"reason": ["Give a reason; it goes into the audit log."]})
    with transaction.atomic():
        locked = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("session__activity", "designation__credit_type")
            .get(pk=claim.pk)
        )
        if locked.status == Claim.Status.REVOKED:
            return locked
        locked.status = Claim.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoke_reason = reason.strip()
        locked.save(update_fields=["status", "revoked_at", "revoke_reason", "updated_at"])
        if locked.session.activity.pools_sessions:
            _balance_add(
                learner_id=locked.learner_id, designation=locked.designation, delta=-locked.hours
            )
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
    designation (which one is right is a person's call, not the merge's), and when the
    two together would exceed a designated maximum (OverMaximum).
    """
    with transaction.atomic():
        claims = list(
            Claim.objects.select_for_update()
            .filter(learner=source)
            .select_related("session", "designation__credit_type")
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
            if claim.status == Claim.Status.ACTIVE:
                # The pooled balances follow; OverMaximum when the two together exceed
                # the designated maximum (refused: the whole merge rolls back).
                _balance_add(
                    learner_id=source.pk, designation=claim.designation, delta=-claim.hours
                )
                _balance_add(
                    learner_id=target.pk, designation=claim.designation, delta=claim.hours
                )
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


# Transcript PDFs built in the background ---------------------------------------------

# Rows a request may lay out itself: WeasyPrint takes about 5.7 ms a row (3 s for 500,
# issue 10), so up to 60 rows stay under half a second; longer ones go to the worker.
TRANSCRIPT_PDF_IN_REQUEST = 60


def transcript_pdf_request(*, learner: Any, filters: TranscriptFilters) -> TranscriptPdf:
    """Queue the learner's transcript PDF (with its outbox message, in one transaction);
    the same filters already waiting give that job back, so a double click queues one."""
    params = transcript_filters_params(filters)
    waiting = (
        TranscriptPdf.objects.filter(learner=learner, params=params)
        .exclude(stage__in=[TranscriptPdf.Stage.DONE, TranscriptPdf.Stage.FAILED])
        .first()
    )
    if waiting is not None:
        return waiting
    with transaction.atomic():
        job = TranscriptPdf.objects.create(learner=learner, params=params)
        outbox_enqueue(
            kind="credits.transcript_pdf_build",
            payload={"pdf_id": job.pk},
            dedupe_key=f"credits.transcript_pdf_build:{job.pk}",
        )
    return job


def transcript_pdfs_prune(*, older_than: datetime.timedelta) -> int:
    """Delete background transcript PDFs (file and row) created more than `older_than`
    ago, finished or not: a learner builds a new one in seconds. Returns how many."""
    cutoff = timezone.now() - older_than
    old = TranscriptPdf.objects.filter(created_at__lt=cutoff).only("pk", "file")
    pruned = 0
    for job in old.iterator(chunk_size=500):
        if job.file:
            # The file first: a row without its file is pruned next time; a file without
            # its row would never be.
            job.file.delete(save=False)
        pruned += TranscriptPdf.objects.filter(pk=job.pk).delete()[0]
    return pruned


def _pdf_stage(job: TranscriptPdf, stage: str, **fields: Any) -> None:
    TranscriptPdf.objects.filter(pk=job.pk).update(stage=stage, **fields)


def transcript_pdf_build(*, pdf_id: int) -> TranscriptPdf | None:
    """Lay out and store the PDF, writing each stage as it starts (the page polls it); a
    failure marks the job failed with a message, never a job left running."""
    from django.core.files.base import ContentFile
    from django.template.loader import render_to_string

    from celedger.core.pdf import html_to_pdf

    job = TranscriptPdf.objects.select_related("learner").filter(pk=pdf_id).first()
    if job is None or job.is_finished:
        return job
    try:
        _pdf_stage(job, TranscriptPdf.Stage.READING)
        context = transcript_pdf_context(
            learner=job.learner, filters=transcript_filters_from(job.params)
        )
        rows = context["transcript"].count
        _pdf_stage(job, TranscriptPdf.Stage.LAYOUT, rows=rows)
        html = render_to_string("credits/transcript_pdf.html", context)
        pdf = html_to_pdf(
            html,
            on_laid_out=lambda pages: _pdf_stage(job, TranscriptPdf.Stage.WRITING, pages=pages),
        )
        job.refresh_from_db()
        job.file.save("transcript.pdf", ContentFile(pdf), save=False)
        job.stage = TranscriptPdf.Stage.DONE
    except Exception as exc:
        logger.exception("transcript PDF %s failed", job.pk)
        job.stage = TranscriptPdf.Stage.FAILED
        job.error = f"The PDF could not be built ({type(exc).__name__}). Try again."
    job.finished_at = timezone.now()
    job.save(update_fields=["stage", "file", "error", "finished_at"])
    return job
