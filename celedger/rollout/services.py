"""Writes for rollout: walk-ins, pending awards, imports, reminders, account merges.

Credit is created only through `credits.services` (claim_award), check-ins only through
`activities.services.attendance_record`; every write is audited.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from celedger.accounts.models import DuplicateCheck, User
from celedger.accreditation.models import Profession
from celedger.activities.models import Attendance, CreditDesignation, Session
from celedger.activities.services import attendance_record
from celedger.certificates.models import Certificate
from celedger.certificates.selectors import certificates_movable
from celedger.core.outbox import outbox_enqueue
from celedger.core.services import audit_record
from celedger.credits.models import Claim, ExternalCredit
from celedger.credits.services import claim_award, claims_move_to
from celedger.profiles.forms import ProfileInput
from celedger.profiles.models import LearnerProfile
from celedger.profiles.services import profile_create
from celedger.publishers.models import Publisher, StaffMembership
from celedger.reporting.models import ReportingRecord
from celedger.rollout import emails
from celedger.rollout.models import (
    AccountMerge,
    ImportJob,
    ImportRow,
    PendingAward,
    ReminderPreference,
    ReminderSent,
    ReminderSettings,
    WalkIn,
)
from celedger.rollout.selectors import (
    RowCheck,
    claim_reminders_due,
    held_reminders_due,
    import_preview,
    import_sheet,
    merge_preview,
    movable_responses,
    pending_awards_for_learner,
)
from celedger.rollout.spreadsheets import KIND_FIELDS, guess_mapping, read_sheet

if TYPE_CHECKING:
    from celedger.accounts.models import User

logger = logging.getLogger(__name__)


# Walk-ins --------------------------------------------------------------------------


def _account_create(
    *,
    actor: "User | None",
    publisher: Publisher,
    email: str,
    first_name: str,
    last_name: str,
    profession: Profession | None = None,
    license_number: str = "",
    license_state: str = "",
    nabp_eprofile_id: str = "",
) -> WalkIn:
    """A new account with no password and an unverified email, and what staff typed."""
    user = get_user_model().objects.create_user(email=email.strip(), password=None)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    walk_in = WalkIn(
        user=user,
        publisher=publisher,
        created_by=actor,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        profession=profession,
        license_number=license_number.strip(),
        license_state=license_state.strip(),
        nabp_eprofile_id=nabp_eprofile_id.strip(),
        sent_at=timezone.now(),
    )
    walk_in.full_clean(exclude=["user", "publisher", "created_by", "profession"])
    walk_in.save()
    audit_record(
        actor=actor,
        action="walkin.create",
        obj=user,
        new={"email": user.email, "publisher": publisher.code},
    )
    return walk_in


@dataclass(frozen=True)
class WalkInInput:
    email: str
    first_name: str
    last_name: str
    profession: Profession
    license_number: str
    license_state: str
    session: Session
    designation: CreditDesignation
    hours: Decimal
    reason: str


def walk_in_record(*, actor: "User", publisher: Publisher, data: WalkInInput) -> None:
    """Record a walk-in's credit without revealing whether the email had an account.

    - No account: one is created (no password); the credit waits as a PendingAward and
      the email links to claiming the account, which accepts it.
    - An account that checked in to the session: the credit is awarded now (staff
      already see that learner on the roster, so nothing is revealed).
    - Any other account: the credit waits; the email asks its owner to sign in and accept.
    Staff see the same confirmation in every case. Raises ValidationError keyed by field.
    """
    session, designation = data.session, data.designation
    if session.activity.publisher_id != publisher.pk:
        raise ValidationError({"session": ["Choose a session of this publisher."]})
    if designation.activity_id != session.activity_id:
        raise ValidationError(
            {"designation": ["That credit type is not on this session's activity."]}
        )
    if data.hours > designation.max_hours:
        raise ValidationError(
            {"hours": [f"The most for this credit is {designation.max_hours.normalize():f}."]}
        )
    email = data.email.strip()
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().filter(email__iexact=email).first()
        if user is not None and Attendance.objects.filter(learner=user, session=session).exists():
            if not Claim.objects.filter(
                learner=user, session=session, designation=designation, status=Claim.Status.ACTIVE
            ).exists():
                claim_award(
                    actor=actor,
                    learner=user,
                    session=session,
                    designation=designation,
                    hours=data.hours,
                    reason=data.reason,
                    override=True,  # staff's own record of a walk-in, audited as such
                )
            return
        walk_in = None
        if user is None:
            walk_in = _account_create(
                actor=actor,
                publisher=publisher,
                email=email,
                first_name=data.first_name,
                last_name=data.last_name,
                profession=data.profession,
                license_number=data.license_number,
                license_state=data.license_state,
            )
            user = walk_in.user
        else:
            walk_in = WalkIn.objects.filter(user=user, claimed_at__isnull=True).first()
        award = _pending_award_add(
            actor=actor,
            learner=user,
            session=session,
            designation=designation,
            hours=data.hours,
            reason=data.reason,
        )
        if walk_in is not None:
            # Not claimed yet: the claim link accepts every award waiting for the account.
            walk_in.sent_at = timezone.now()
            walk_in.save(update_fields=["sent_at"])
            emails.walk_in_claim_send(
                walk_in=walk_in,
                publisher=publisher,
                awards=pending_awards_for_learner(learner=user),
            )
        else:
            emails.pending_award_send(award=award, publisher=publisher)


def _pending_award_add(
    *,
    actor: "User",
    learner: User,
    session: Session,
    designation: CreditDesignation,
    hours: Decimal,
    reason: str,
) -> PendingAward:
    """The waiting award for this learner, session and credit (the newest wins)."""
    existing = PendingAward.objects.filter(
        learner=learner,
        session=session,
        designation=designation,
        status=PendingAward.Status.PENDING,
    ).first()
    if existing is not None:
        existing.hours, existing.reason, existing.created_by = hours, reason, actor
        existing.save(update_fields=["hours", "reason", "created_by"])
        return existing
    award = PendingAward(
        learner=learner,
        session=session,
        designation=designation,
        hours=hours,
        reason=reason.strip(),
        created_by=actor,
    )
    award.full_clean(exclude=["learner", "session", "designation", "created_by"])
    award.save()
    audit_record(
        actor=actor,
        action="award.pending",
        obj=award,
        new={
            "learner": learner.email,
            "session": session.event_id,
            "credit_type": designation.credit_type.code,
            "hours": hours,
        },
        reason=reason,
    )
    return award


def pending_award_accept(*, award: PendingAward, learner: User) -> Claim | None:
    """The learner takes the credit staff entered: checked in, then awarded (by the staff
    member who entered it, reason kept). Accepting twice changes nothing."""
    if award.learner_id != learner.pk:
        raise ValidationError("This credit was entered for another account.")
    with transaction.atomic():
        locked = PendingAward.objects.select_for_update().get(pk=award.pk)
        if locked.status != PendingAward.Status.PENDING:
            return None
        attendance_record(learner=learner, session=award.session)
        claim = Claim.objects.filter(
            learner=learner,
            session=award.session,
            designation=award.designation,
            status=Claim.Status.ACTIVE,
        ).first()
        if claim is None:
            claim = claim_award(
                actor=award.created_by,
                learner=learner,
                session=award.session,
                designation=award.designation,
                hours=award.hours,
                reason=f"{award.reason} (walk-in; accepted by the learner)",
                # Staff entered it and the learner attested; no evaluation was asked for.
                override=True,
            )
        locked.status = PendingAward.Status.ACCEPTED
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        audit_record(
            actor=learner,
            action="award.accept",
            obj=locked,
            old={"status": PendingAward.Status.PENDING},
            new={"status": PendingAward.Status.ACCEPTED, "claim": claim.pk},
        )
    return claim


def walk_in_claim(*, walk_in: WalkIn, password: str, profile: ProfileInput) -> User:
    """The person behind a claim link sets a password (or signed in by code instead) and
    saves their profile: the email is verified (the link reached it), and every award
    waiting for the account lands."""
    with transaction.atomic():
        locked = WalkIn.objects.select_for_update().select_related("user").get(pk=walk_in.pk)
        if locked.claimed_at is not None:
            raise ValidationError("This account is claimed already: sign in instead.")
        user = locked.user
        if password:  # empty when the person signed in with an emailed code instead
            user.set_password(password)
        user.first_name, user.last_name = profile.first_name, profile.last_name
        user.save(update_fields=["password", "first_name", "last_name"])
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(
            verified=True, primary=True
        )
        if not LearnerProfile.objects.filter(user=user).exists():
            profile_create(user=user, actor=user, data=profile)
        locked.claimed_at = timezone.now()
        locked.save(update_fields=["claimed_at"])
        audit_record(actor=user, action="walkin.claim", obj=user, new={"email": user.email})
        for award in pending_awards_for_learner(learner=user):
            pending_award_accept(award=award, learner=user)
    return user


# Imports ---------------------------------------------------------------------------


def import_upload(
    *,
    actor: "User",
    publisher: Publisher,
    kind: str,
    upload: UploadedFile,
    session: Session | None,
    designation: CreditDesignation | None,
    default_hours: Decimal | None,
) -> ImportJob:
    """Store the file privately, read it once to reject what cannot be read, and guess
    which column holds what. Raises ValidationError keyed by form field."""
    if kind != ImportJob.Kind.HISTORICAL and session is None:
        raise ValidationError({"session": ["Choose the session this file is for."]})
    if session is not None and session.activity.publisher_id != publisher.pk:
        raise ValidationError({"session": ["Choose a session of this publisher."]})
    if kind == ImportJob.Kind.CREDIT:
        if designation is None:
            raise ValidationError({"designation": ["Choose the credit this file awards."]})
        if session is not None and designation.activity_id != session.activity_id:
            raise ValidationError(
                {"designation": ["That credit type is not on this session's activity."]}
            )
    else:
        designation = None
    content = upload.read()
    try:
        sheet = read_sheet(content=content, file_name=upload.name or "")
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    upload.seek(0)
    job = ImportJob(
        publisher=publisher,
        created_by=actor,
        kind=kind,
        session=session if kind != ImportJob.Kind.HISTORICAL else None,
        designation=designation,
        default_hours=default_hours,
        file_name=(upload.name or "upload")[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        mapping=guess_mapping(headers=sheet.headers, kind=kind),
    )
    with transaction.atomic():
        job.file.save(job.file_name, upload, save=False)
        job.save()
        audit_record(
            actor=actor,
            action="import.upload",
            obj=job,
            new={"file": job.file_name, "sha256": job.file_sha256, "kind": kind},
        )
    return job


def import_set_mapping(*, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Save the coordinator's column choices (only fields of this kind, only real headers)."""
    if job.status != ImportJob.Status.MAPPING:
        raise ValidationError("This import has started; upload the file again to change it.")
    headers = set(import_sheet(job=job).headers)
    job.mapping = {
        f: (mapping.get(f, "") if mapping.get(f, "") in headers else "")
        for f in KIND_FIELDS[job.kind]
    }
    job.save(update_fields=["mapping"])
    return job


def import_start(*, job: ImportJob, actor: "User") -> ImportJob:
    """Queue the import; the worker applies the rows that pass their checks."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.MAPPING:
            return locked
        preview = import_preview(job=locked)
        if not preview.ok_count:
            raise ValidationError("No row can be imported: fix the rows listed and upload again.")
        locked.status = ImportJob.Status.QUEUED
        locked.total = len(preview.rows)
        locked.save(update_fields=["status", "total"])
        audit_record(
            actor=actor, action="import.start", obj=locked, new={"rows": len(preview.rows)}
        )
        # Durable with the status change: the outbox worker runs it (rollout/outbox.py).
        outbox_enqueue(
            kind="rollout.import_run",
            payload={"job_id": locked.pk},
            dedupe_key=f"rollout.import_run:{locked.pk}",
        )
    return locked


PROGRESS_EVERY = 10


def _apply_row(job: ImportJob, check: RowCheck) -> tuple[str, User, str]:
    """One row in its own transaction: the learner (matched or created), then the record."""
    actor = job.created_by
    learner = check.learner
    created_account = None
    if learner is None:
        # Created by an earlier row or run since the preview? Match by email again.
        learner = get_user_model().objects.filter(email__iexact=check.email).first()
    if learner is None:
        created_account = _account_create(
            actor=actor,
            publisher=job.publisher,
            email=check.email,
            first_name=check.first_name,
            last_name=check.last_name,
            license_number=check.values.get("license_number", ""),
            license_state=check.values.get("license_state", ""),
            nabp_eprofile_id=check.values.get("nabp_id", "")[:7],
        )
        learner = created_account.user
    outcome = ImportRow.Outcome.UNCHANGED
    if job.kind == ImportJob.Kind.HISTORICAL:
        assert check.completed_on is not None and check.hours is not None
        _, created = ExternalCredit.objects.get_or_create(
            learner=learner,
            source_key=check.source_key,
            defaults={
                "publisher": job.publisher,
                "activity_title": check.values["activity_title"][:300],
                "provider_name": check.values.get("provider", "")[:200],
                "completed_on": check.completed_on,
                "credit_type": check.credit_type,
                "credit_type_label": check.values["credit_type"][:200],
                "hours": check.hours,
                "source": f"{job.file_name}, line {check.line}"[:300],
                "created_by": actor,
            },
        )
        outcome = ImportRow.Outcome.ADDED if created else outcome
    else:
        session = job.session
        assert session is not None
        had_attendance = Attendance.objects.filter(learner=learner, session=session).exists()
        attendance_record(learner=learner, session=session)
        if not had_attendance:
            outcome = ImportRow.Outcome.ADDED
        if job.kind == ImportJob.Kind.CREDIT:
            designation = job.designation
            assert designation is not None
            has_claim = Claim.objects.filter(
                learner=learner,
                session=session,
                designation=designation,
                status=Claim.Status.ACTIVE,
            ).exists()
            if not has_claim:
                claim_award(
                    actor=actor,
                    learner=learner,
                    session=session,
                    designation=designation,
                    hours=check.hours,
                    reason=f"Imported from {job.file_name}, line {check.line}",
                    # The file is the coordinator's record; imported learners often have
                    # no profile or evaluation here. Audited as overridden.
                    override=True,
                )
                outcome = ImportRow.Outcome.ADDED
    if created_account is not None:
        emails.walk_in_claim_send(walk_in=created_account, publisher=job.publisher, awards=[])
    return outcome, learner, ""


def import_run(*, job_id: int) -> None:
    """Apply every row (the outbox worker's side): checks again against the database as
    it is now, one transaction per row, an ImportRow and an audit entry for each. Re-running a
    file (or a corrected copy) adds nothing twice: attendance, claims and external credit
    are each looked up by their natural key first."""
    job = ImportJob.objects.select_related(
        "publisher", "session__activity", "designation__credit_type", "created_by"
    ).get(pk=job_id)
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        preview = import_preview(job=job)
    except ValidationError as error:
        job.status, job.error = ImportJob.Status.FAILED, " ".join(error.messages)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return
    done_lines = set(job.rows.values_list("row_number", flat=True))
    counts = {o.value: 0 for o in ImportRow.Outcome}
    for stored in job.rows.values_list("outcome", flat=True):
        counts[stored] += 1
    job.total = len(preview.rows)
    for index, check in enumerate(preview.rows, start=1):
        if check.line in done_lines:  # a worker restarted mid-file
            continue
        outcome: str = ImportRow.Outcome.ERROR
        learner: User | None = None
        message = " ".join(check.errors)
        if check.ok:
            try:
                with transaction.atomic():
                    outcome, learner, message = _apply_row(job, check)
                    _row_record(job, check, outcome, learner, message)
            except ValidationError as error:
                outcome, learner, message = ImportRow.Outcome.ERROR, None, " ".join(error.messages)
                _row_record(job, check, outcome, learner, message)
            except IntegrityError:
                logger.exception("import %s line %s", job.pk, check.line)
                outcome, message = ImportRow.Outcome.ERROR, "Could not be saved; try again."
                _row_record(job, check, outcome, None, message)
        else:
            _row_record(job, check, outcome, None, message)
        counts[outcome] += 1
        if index % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job.pk).update(done=index, result=counts)
    job.done = job.total
    job.result = counts
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["done", "total", "result", "status", "finished_at"])


def _row_record(
    job: ImportJob, check: RowCheck, outcome: str, learner: User | None, message: str
) -> None:
    ImportRow.objects.create(
        job=job, row_number=check.line, outcome=outcome, learner=learner, message=message
    )
    audit_record(
        actor=job.created_by,
        action="import.row",
        obj=job,
        new={
            "line": check.line,
            "outcome": outcome,
            "learner": learner.email if learner else check.email,
        },
        reason=message,
    )


# Reminders -------------------------------------------------------------------------


def reminder_settings_save(
    *, actor: "User", publisher: Publisher, enabled: bool, days: list[int]
) -> ReminderSettings:
    value = ",".join(str(d) for d in sorted(set(days), reverse=True))
    with transaction.atomic():
        settings, _ = ReminderSettings.objects.select_for_update().get_or_create(
            publisher=publisher
        )
        old = {"enabled": settings.enabled, "days": settings.claim_days_before}
        settings.enabled, settings.claim_days_before = enabled, value
        settings.save()
        audit_record(
            actor=actor,
            action="reminders.settings",
            obj=settings,
            old=old,
            new={"enabled": enabled, "days": value},
        )
    return settings


def reminders_opt(*, user: User, opted_out: bool) -> ReminderPreference:
    """Turn reminders off (or on again). Certificates are emailed either way."""
    with transaction.atomic():
        preference, _ = ReminderPreference.objects.select_for_update().get_or_create(user=user)
        was = preference.opted_out_at is not None
        if was != opted_out:
            preference.opted_out_at = timezone.now() if opted_out else None
            preference.save(update_fields=["opted_out_at", "updated_at"])
            audit_record(
                actor=user,
                action="reminders.opt_out" if opted_out else "reminders.opt_in",
                obj=preference,
            )
    return preference


@dataclass(frozen=True)
class ReminderRun:
    claim_emails: int
    held_emails: int


def reminders_send(*, now: datetime.datetime | None = None) -> ReminderRun:
    """Email what is due now; idempotent per (learner, session, kind), so hourly runs
    (cron, a systemd timer) never send one reminder twice. One email per learner and kind."""
    now = now or timezone.now()
    claim_due: dict[int, list[Any]] = {}
    for item in claim_reminders_due(now=now):
        claim_due.setdefault(item.learner.pk, []).append(item)
    claim_emails = 0
    for items in claim_due.values():
        with transaction.atomic():
            fresh = [
                item for item in items if _mark_sent(item.learner, item.kind, session=item.session)
            ]
            if fresh:
                emails.claim_reminder_send(learner=fresh[0].learner, items=fresh)
                claim_emails += 1
    held_emails = 0
    for learner, items in held_reminders_due(now=now).items():
        with transaction.atomic():
            fresh_rows = [
                item.row
                for item in items
                if _mark_sent(learner, item.kind, record=item.row.record)
            ]
            if fresh_rows:
                emails.held_records_reminder_send(learner=learner, rows=fresh_rows)
                held_emails += 1
    return ReminderRun(claim_emails=claim_emails, held_emails=held_emails)


def _mark_sent(
    learner: User,
    kind: str,
    *,
    session: Session | None = None,
    record: ReportingRecord | None = None,
) -> bool:
    """Record the reminder; False when another run recorded it first (the unique row)."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                learner=learner, session=session, reporting_record=record, kind=kind
            )
    except IntegrityError:
        return False
    return True


# Account merge ---------------------------------------------------------------------


def accounts_merge(*, actor: "User", source: User, target: User) -> AccountMerge:
    """Move everything of `source` to `target` in one transaction, audited; `source` is
    deactivated, never deleted. Refused where both hold active credit for the same
    session and credit type (ValidationError)."""
    with transaction.atomic():
        users = {
            u.pk: u
            for u in get_user_model()
            .objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
        }
        source, target = users[source.pk], users[target.pk]
        preview = merge_preview(source=source, target=target)
        if preview.notes_blocking:
            raise ValidationError(preview.notes_blocking)
        if preview.conflicts:
            raise ValidationError(
                "Both accounts hold active credit for the same session and credit type; "
                "revoke one of them first."
            )
        reason = f"Account merge: {source.email} into {target.email}"
        moved = dict(preview.moves)
        # A certificate the target lacks moves; the others are revoked by the certificate
        # refresh that follows claims_changed (no claims left on the source).
        Certificate.objects.filter(
            pk__in=list(
                certificates_movable(source=source, target=target).values_list("pk", flat=True)
            )
        ).update(learner=target)
        claims_move_to(actor=actor, source=source, target=target, reason=reason)
        movable_responses(source=source, target=target).update(learner=target)
        target_sessions = Attendance.objects.filter(learner=target).values("session")
        Attendance.objects.filter(learner=source).exclude(session__in=target_sessions).update(
            learner=target
        )
        ExternalCredit.objects.filter(learner=source).exclude(
            source_key__in=ExternalCredit.objects.filter(learner=target).values("source_key")
        ).update(learner=target)
        target_publishers = StaffMembership.objects.filter(user=target).values("publisher")
        StaffMembership.objects.filter(user=source).exclude(
            publisher__in=target_publishers
        ).update(user=target)
        for award in PendingAward.objects.filter(
            learner=source, status=PendingAward.Status.PENDING
        ):
            clash = PendingAward.objects.filter(
                learner=target,
                session=award.session_id,
                designation=award.designation_id,
                status=PendingAward.Status.PENDING,
            ).exists()
            if clash:
                award.status, award.decided_at = PendingAward.Status.CANCELLED, timezone.now()
                award.save(update_fields=["status", "decided_at"])
            else:
                PendingAward.objects.filter(pk=award.pk).update(learner=target)
        if preview.source_profile and not preview.target_profile:
            LearnerProfile.objects.filter(pk=preview.source_profile.pk).update(user=target)
            moved["profile"] = 1
        source.is_active = False
        source.set_unusable_password()
        source.save(update_fields=["is_active", "password"])
        DuplicateCheck.objects.filter(
            reviewed_at__isnull=True,
            matched_user__in=[source, target],
            new_user__in=[source, target],
        ).update(reviewed_at=timezone.now())
        merge = AccountMerge.objects.create(
            source=source, target=target, performed_by=actor, moved=moved
        )
        audit_record(
            actor=actor,
            action="account.merge",
            obj=target,
            old={"source": source.email},
            new={"target": target.email, **moved},
            reason=reason,
        )
        audit_record(
            actor=actor,
            action="account.deactivate",
            obj=source,
            old={"is_active": True},
            new={"is_active": False, "merged_into": target.email},
            reason=reason,
        )
    return merge
