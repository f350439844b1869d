"""Reporting records: derived from active claims, recomputed on every change.

`records_recompute` is the one writer. It runs after `credits.signals.claims_changed`
and after a learner's profile or board data changes (signals.py), always for one
learner and activity, and keeps the database's promise of one current record per key.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from celedger.activities.models import Activity, CreditDesignation
from celedger.core.outbox import outbox_enqueue
from celedger.credits.models import Claim
from celedger.profiles.models import BoardCertification, LearnerProfile
from celedger.reporting import checks
from celedger.reporting.emails import reporting_fix_request_send
from celedger.reporting.models import ActivityReporting, ReportingRecord

logger = logging.getLogger(__name__)

Record = ReportingRecord
Status = ReportingRecord.Status
Action = ReportingRecord.Action
Channel = ReportingRecord.Channel
# Records not yet with the accreditor: recomputing may still change them in place.
UNSENT = (Status.PENDING, Status.HELD)
SENT = (Status.EXPORTED, Status.ACCEPTED)
HOME_STUDY_FORMATS = ("enduring", "journal")


# The two facts ledger will store on the claim (TEAM.md interface 1). Until
# `Claim.participated_on` and `Claim.uan` land, they are derived here, in one place each.


def claim_participated_on(claim: Claim, zone: ZoneInfo) -> datetime.date:
    """Live: the session's local date. Home study: the day the learner completed it
    (the attestation, until assessments give the completion date)."""
    stored = getattr(claim, "participated_on", None)
    if isinstance(stored, datetime.date):
        return stored
    if claim.session.activity.format in HOME_STUDY_FORMATS:
        return claim.attested_at.astimezone(zone).date()
    return claim.session.starts_at.astimezone(zone).date()


def claim_uan(claim: Claim) -> str:
    """The UAN in force for the claim: the designation's until claims carry their own."""
    stored = getattr(claim, "uan", None)
    if isinstance(stored, str) and stored:
        return stored
    return claim.designation.uan


Key = tuple[str, str, int | None]  # (channel, uan, board id)


@dataclass
class Group:
    """Active claims of one key summed: the hours capped at the designation's maximum."""

    designation: CreditDesignation
    hours: Decimal = Decimal("0")
    participated_on: datetime.date | None = None
    board_code: str = ""

    def add(self, hours: Decimal, on: datetime.date) -> None:
        self.hours = min(self.hours + hours, self.designation.max_hours)
        self.participated_on = max(self.participated_on or on, on)


def _groups(claims: Iterable[Claim], zone: ZoneInfo) -> dict[Key, Group]:
    groups: dict[Key, Group] = {}
    for claim in claims:
        credit_type = claim.designation.credit_type
        if credit_type.requires_nabp:
            uan = claim_uan(claim)
            if not uan:
                continue
            key: Key = (Channel.CPE_MONITOR, uan, None)
        elif credit_type.board_id is not None:
            key = (Channel.PARS, "", credit_type.board_id)
        else:
            continue
        group = groups.setdefault(key, Group(designation=claim.designation))
        if credit_type.board is not None:
            group.board_code = credit_type.board.code
        group.add(claim.hours, claim_participated_on(claim, zone))
    return groups


def learner_facts(*, learner_id: int) -> checks.LearnerFacts | None:
    profile = (
        LearnerProfile.objects.filter(user_id=learner_id).select_related("profession").first()
    )
    if profile is None:
        return None
    epid = profile.nabp_eprofile_id.strip()
    used_by_another = bool(epid) and (
        LearnerProfile.objects.filter(nabp_eprofile_id=epid).exclude(pk=profile.pk).exists()
    )
    boards = {
        code: (diplomate_id, consented_at is not None)
        for code, diplomate_id, consented_at in BoardCertification.objects.filter(
            profile=profile
        ).values_list("board__code", "diplomate_id", "consented_at")
    }
    return checks.LearnerFacts(
        eprofile_id=epid,
        birth_mmdd=profile.birth_mmdd,
        profession_code=profile.profession.code,
        epid_used_by_another=used_by_another,
        boards=boards,
    )


def _activity_facts(activity: Activity) -> checks.ActivityFacts:
    reporting = ActivityReporting.objects.filter(activity=activity).first()
    return checks.ActivityFacts(
        format=activity.format,
        starts_on=activity.starts_on,
        ends_on=activity.ends_on,
        accme_activity_id=reporting.accme_activity_id if reporting else "",
    )


def _holds(
    key: Key,
    group: Group,
    *,
    learner: checks.LearnerFacts | None,
    activity: checks.ActivityFacts,
    today: datetime.date,
) -> list[str]:
    assert group.participated_on is not None
    if key[0] == Channel.CPE_MONITOR:
        return checks.cpe_monitor_holds(
            learner=learner,
            activity=activity,
            uan=key[1],
            participated_on=group.participated_on,
            today=today,
        )
    return checks.pars_holds(
        learner=learner,
        activity=activity,
        board_code=group.board_code,
        participated_on=group.participated_on,
    )


def _key(record: ReportingRecord) -> Key:
    return (record.channel, record.uan, record.board_id)


@dataclass
class RecomputeResult:
    created: list[ReportingRecord] = field(default_factory=list)
    updated: list[ReportingRecord] = field(default_factory=list)
    # Learner-fixable hold codes that are new on some record (for the email).
    new_learner_holds: list[tuple[ReportingRecord, list[str]]] = field(default_factory=list)


def _set_holds(record: ReportingRecord, holds: list[str], result: RecomputeResult) -> None:
    before = set(record.hold_reasons or [])
    record.hold_reasons = holds
    record.status = Status.HELD if holds else Status.PENDING
    fresh = [h for h in holds if h not in before and checks.CHECKS[h].learner_must_act]
    if fresh:
        result.new_learner_holds.append((record, fresh))


def records_recompute(
    *,
    learner_id: int,
    activity_id: int,
    today: datetime.date | None = None,
    profile_changed: bool = False,
) -> RecomputeResult:
    """Bring the learner's records for the activity in line with their active claims.

    Unsent records change in place; a sent record whose hours or date changed is
    replaced by a correction, one whose claims were all revoked by a deletion. A
    rejected record is sent again (pending) once its values or the profile changed.
    """
    activity = Activity.objects.select_related("publisher").get(pk=activity_id)
    zone = activity.publisher.zone
    today = today or timezone.now().astimezone(zone).date()
    claims = Claim.objects.filter(
        learner_id=learner_id, session__activity=activity, status=Claim.Status.ACTIVE
    ).select_related("session__activity", "designation__credit_type__board")
    groups = _groups(claims, zone)
    learner = learner_facts(learner_id=learner_id)
    facts = _activity_facts(activity)
    result = RecomputeResult()
    with transaction.atomic():
        current = {
            _key(r): r
            for r in Record.objects.select_for_update().filter(
                learner_id=learner_id, activity=activity, is_current=True
            )
        }
        for key, group in groups.items():
            holds = _holds(key, group, learner=learner, activity=facts, today=today)
            _apply_group(
                current.pop(key, None),
                key,
                group,
                holds,
                learner_id=learner_id,
                activity=activity,
                profile_changed=profile_changed,
                result=result,
            )
        for record in current.values():
            _retire(record, result=result)
        if result.new_learner_holds:
            pairs = [(r.pk, codes) for r, codes in result.new_learner_holds]
            reporting_fix_request_send(learner_id=learner_id, record_holds=pairs)
    return result


def _new_record(
    key: Key,
    group: Group,
    *,
    learner_id: int,
    activity: Activity,
    action: str,
    replaces: ReportingRecord | None = None,
) -> ReportingRecord:
    assert group.participated_on is not None
    return Record(
        publisher_id=activity.publisher_id,
        learner_id=learner_id,
        activity=activity,
        designation=group.designation,
        channel=key[0],
        uan=key[1],
        board_id=key[2],
        action=action,
        hours=group.hours,
        participated_on=group.participated_on,
        due_on=checks.due_on(channel=key[0], participated_on=group.participated_on),
        replaces=replaces,
    )


def _apply_group(
    record: ReportingRecord | None,
    key: Key,
    group: Group,
    holds: list[str],
    *,
    learner_id: int,
    activity: Activity,
    profile_changed: bool,
    result: RecomputeResult,
) -> None:
    assert group.participated_on is not None
    if record is None:
        record = _new_record(key, group, learner_id=learner_id, activity=activity, action="add")
        _set_holds(record, holds, result)
        record.save()
        result.created.append(record)
        return
    same = record.hours == group.hours and record.participated_on == group.participated_on
    if record.status in SENT:
        if same:
            return
        # The accreditor has the old values: they stay on the record; a correction follows.
        record.is_current = False
        record.status = Status.CORRECTED
        record.save(update_fields=["is_current", "status", "updated_at"])
        correction = _new_record(
            key, group, learner_id=learner_id, activity=activity, action="correct", replaces=record
        )
        _set_holds(correction, holds, result)
        correction.save()
        result.created.append(correction)
        return
    if record.status == Status.REJECTED and same and not profile_changed:
        return
    if record.action == Action.DELETE:
        # The credit came back before the deletion went out: send it as a correction.
        record.action = Action.CORRECT
    record.designation = group.designation
    record.hours = group.hours
    record.participated_on = group.participated_on
    record.due_on = checks.due_on(channel=key[0], participated_on=group.participated_on)
    if record.status == Status.REJECTED:
        record.rejection_reason = ""
    _set_holds(record, holds, result)
    record.save()
    result.updated.append(record)


def _retire(record: ReportingRecord, *, result: RecomputeResult) -> None:
    """The key has no active claim any more."""
    if record.status in SENT:
        record.is_current = False
        record.status = Status.CORRECTED
        record.save(update_fields=["is_current", "status", "updated_at"])
        deletion = Record(
            publisher_id=record.publisher_id,
            learner_id=record.learner_id,
            activity_id=record.activity_id,
            designation_id=record.designation_id,
            channel=record.channel,
            uan=record.uan,
            board_id=record.board_id,
            action=Action.DELETE,
            hours=record.hours,
            participated_on=record.participated_on,
            due_on=record.due_on,
            replaces=record,
        )
        if record.channel == Channel.CPE_MONITOR:
            deletion.status = Status.HELD
            deletion.hold_reasons = ["cpe_deletion_manual"]
        deletion.save()
        result.created.append(deletion)
        return
    if record.replaces is not None and record.replaces.status == Status.CORRECTED:
        # An unsent correction of a sent record: what is left to send is its deletion.
        sent = record.replaces
        record.action = Action.DELETE
        record.hours = sent.hours
        record.participated_on = sent.participated_on
        holds = ["cpe_deletion_manual"] if record.channel == Channel.CPE_MONITOR else []
        record.hold_reasons = holds
        record.status = Status.HELD if holds else Status.PENDING
        record.save()
        result.updated.append(record)
        return
    if record.status == Status.REJECTED:
        record.is_current = False  # kept for the history; nothing to send
        record.save(update_fields=["is_current", "updated_at"])
        return
    record.delete()  # never sent: nothing to report


def records_recompute_for_learner(*, learner_id: int) -> int:
    """After a profile change: recheck every unsent or rejected record of the learner."""
    activity_ids = set(
        Record.objects.filter(
            learner_id=learner_id,
            is_current=True,
            status__in=[Status.PENDING, Status.HELD, Status.REJECTED],
        ).values_list("activity_id", flat=True)
    )
    for activity_id in sorted(activity_ids):
        records_recompute(learner_id=learner_id, activity_id=activity_id, profile_changed=True)
    return len(activity_ids)


def learners_holding_epid(*, eprofile_id: str, exclude_learner_id: int) -> list[int]:
    """Other learners whose held CPE Monitor records may depend on this e-Profile ID."""
    if not eprofile_id:
        return []
    return list(
        Record.objects.filter(
            channel=Channel.CPE_MONITOR,
            status=Status.HELD,
            is_current=True,
            learner__profile__nabp_eprofile_id=eprofile_id,
        )
        .exclude(learner_id=exclude_learner_id)
        .values_list("learner_id", flat=True)
        .distinct()
    )


def on_claims_changed(sender: Any, *, learner_id: int, activity_id: int, **kwargs: Any) -> None:
    # Sent by the outbox worker (credits enqueues it with the claim). The recompute is a
    # message of its own, recorded in this delivery's transaction (never lost), so the
    # learner's certificate (an urgent kind) is not kept waiting behind it in a rush.
    outbox_enqueue(
        kind="reporting.records_recompute",
        payload={"learner_id": learner_id, "activity_id": activity_id},
    )
