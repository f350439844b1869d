"""Reads for rollout: staff-scoped lookups, the import preview, reminders due, merge previews."""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from celedger.accounts.models import DuplicateCheck, User
from celedger.accreditation.models import CreditType
from celedger.activities.models import Activity, Attendance, CreditDesignation, Session
from celedger.certificates.selectors import certificates_movable, certificates_shared
from celedger.core.decimals import is_quarter_step
from celedger.credits.models import Claim, ExternalCredit
from celedger.credits.selectors import claim_window
from celedger.evaluations.models import Response
from celedger.profiles.models import LICENSE_PLACEHOLDER, LearnerProfile
from celedger.profiles.services import fold_last_name
from celedger.publishers.models import Publisher, StaffMembership
from celedger.reporting.selectors import LearnerRecordRow, records_held_for_learner_data
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
from celedger.rollout.spreadsheets import Sheet, parse_date, read_sheet, split_full_name

# Staff lookups ---------------------------------------------------------------------


def sessions_for_publisher(*, publisher: Publisher) -> QuerySet[Session]:
    """Sessions staff may record attendance or credit for (drafts excluded), newest first."""
    return (
        Session.objects.filter(activity__publisher=publisher)
        .exclude(activity__status=Activity.Status.DRAFT)
        .select_related("activity")
        .order_by("-starts_at")
    )


def designations_for_publisher(*, publisher: Publisher) -> QuerySet[CreditDesignation]:
    return (
        CreditDesignation.objects.filter(activity__publisher=publisher)
        .exclude(activity__status=Activity.Status.DRAFT)
        .select_related("activity", "credit_type")
        .order_by("-activity__starts_on", "activity__title", "credit_type__sort_order")
    )


def import_get_for_staff(*, publisher: Publisher, pk: int) -> ImportJob:
    """An import of this publisher (the caller checked the role), else 404."""
    job = (
        ImportJob.objects.select_related(
            "session__activity", "designation__credit_type", "created_by"
        )
        .filter(publisher=publisher, pk=pk)
        .first()
    )
    if job is None:
        raise Http404
    job.publisher = publisher
    return job


def imports_for_publisher(*, publisher: Publisher) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(publisher=publisher)
        .select_related("session__activity", "designation__credit_type", "created_by")
        .order_by("-created_at", "-id")[:50]
    )


def pending_awards_for_publisher(*, publisher: Publisher) -> list[PendingAward]:
    """Walk-in credit still waiting for its learner. Shown by email only: whether the email
    had an account before is never shown."""
    return list(
        PendingAward.objects.filter(
            session__activity__publisher=publisher, status=PendingAward.Status.PENDING
        )
        .select_related("learner", "session__activity", "designation__credit_type")
        .order_by("-created_at")[:100]
    )


# Learner lookups -------------------------------------------------------------------


def walk_in_get_by_token(*, token: str, now: datetime.datetime) -> WalkIn | None:
    """The unclaimed walk-in behind a claim link that has not expired; else None."""
    if not token or len(token) > 64:
        return None
    walk_in = (
        WalkIn.objects.select_related("user", "publisher", "profession")
        .filter(token=token, claimed_at__isnull=True, user__is_active=True)
        .first()
    )
    if walk_in is None or now >= walk_in.link_expires_at:
        return None
    return walk_in


def pending_awards_for_learner(*, learner: User) -> list[PendingAward]:
    return list(
        PendingAward.objects.filter(learner=learner, status=PendingAward.Status.PENDING)
        .select_related("session__activity__publisher", "designation__credit_type", "created_by")
        .order_by("created_at")
    )


def pending_award_get_by_token(*, token: str) -> PendingAward:
    """The award behind an emailed link, whatever its state; 404 for an unknown token."""
    if not token or len(token) > 64:
        raise Http404
    award = (
        PendingAward.objects.select_related(
            "learner", "session__activity__publisher", "designation__credit_type", "created_by"
        )
        .filter(token=token)
        .first()
    )
    if award is None:
        raise Http404
    return award


def reminders_opted_out(*, user: User) -> bool:
    return ReminderPreference.objects.filter(user=user, opted_out_at__isnull=False).exists()


def reminder_settings_for(*, publisher: Publisher) -> ReminderSettings:
    """The publisher's schedule; the default (7 and 1 days, on) when never saved."""
    settings = ReminderSettings.objects.filter(publisher=publisher).first()
    return settings or ReminderSettings(publisher=publisher)


# Import preview ----------------------------------------------------------------------


@dataclass
class RowCheck:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    learner: User | None = None
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    hours: Decimal | None = None
    completed_on: datetime.date | None = None
    credit_type: CreditType | None = None
    source_key: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    headers: list[str]
    rows: list[RowCheck]

    @property
    def ok_count(self) -> int:
        return sum(1 for r in self.rows if r.ok)

    @property
    def error_rows(self) -> list[RowCheck]:
        return [r for r in self.rows if not r.ok]


def import_sheet(*, job: ImportJob) -> Sheet:
    with job.file.open("rb") as handle:
        content = handle.read()
    return read_sheet(content=content, file_name=job.file_name)


def _values(sheet: Sheet, mapping: dict[str, str], cells: list[str]) -> dict[str, str]:
    index = {h: i for i, h in enumerate(sheet.headers)}
    return {
        target: (cells[index[column]].strip() if column in index else "")
        for target, column in mapping.items()
    }


@dataclass
class _Matcher:
    """Existing learners for a whole file in three queries (emails, NABP IDs, licenses)."""

    by_email: dict[str, User]
    by_nabp: dict[str, list[LearnerProfile]]
    by_license: dict[str, list[LearnerProfile]]
    merged_into: dict[int, User]

    @classmethod
    def for_rows(cls, rows: list[dict[str, str]]) -> "_Matcher":
        emails = {r.get("email", "").lower() for r in rows if r.get("email")}
        nabp = {r.get("nabp_id", "") for r in rows if r.get("nabp_id")}
        licenses = {
            r.get("license_number", "").upper()
            for r in rows
            if r.get("license_number") and r.get("license_number") != LICENSE_PLACEHOLDER
        }
        users = User.objects.annotate(email_key=Lower("email")).filter(email_key__in=emails)
        by_email: dict[str, User] = {u.email.lower(): u for u in users} if emails else {}
        profiles = LearnerProfile.objects.select_related("user")
        by_nabp: dict[str, list[LearnerProfile]] = defaultdict(list)
        for p in profiles.filter(nabp_eprofile_id__in=nabp) if nabp else []:
            by_nabp[p.nabp_eprofile_id].append(p)
        by_license: dict[str, list[LearnerProfile]] = defaultdict(list)
        for p in profiles.filter(license_number__in=licenses) if licenses else []:
            by_license[p.license_number.upper()].append(p)
        found = [*by_email.values(), *(p.user for ps in by_nabp.values() for p in ps)]
        found += [p.user for ps in by_license.values() for p in ps]
        inactive = [u.pk for u in found if not u.is_active]
        merged_into = (
            {
                m.source_id: m.target
                for m in AccountMerge.objects.filter(source_id__in=inactive).select_related(
                    "target"
                )
            }
            if inactive
            else {}
        )
        return cls(by_email, by_nabp, by_license, merged_into)

    def _follow(self, user: User) -> User:
        # An account merged away sends its records to the account it was merged into.
        return self.merged_into.get(user.pk, user)

    def match(self, values: dict[str, str], last_name: str) -> User | None:
        email = values.get("email", "").lower()
        if email and email in self.by_email:
            return self._follow(self.by_email[email])
        key = fold_last_name(last_name)
        if not key:
            return None
        for profile in self.by_nabp.get(values.get("nabp_id", ""), []):
            if profile.last_name_key == key:
                return self._follow(profile.user)
        state = values.get("license_state", "").upper()
        for profile in self.by_license.get(values.get("license_number", "").upper(), []):
            if profile.last_name_key == key and (
                not state or not profile.license_state or profile.license_state.upper() == state
            ):
                return self._follow(profile.user)
        return None


def _credit_types() -> dict[str, CreditType]:
    types: dict[str, CreditType] = {}
    for ct in CreditType.objects.all():
        for name in (ct.code, ct.name, ct.short_name):
            types.setdefault(name.strip().lower(), ct)
    return types


def _parse_hours(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _check_hours(check: RowCheck, job: ImportJob) -> None:
    raw = check.values.get("hours", "")
    if not raw and job.default_hours is not None:
        check.hours = job.default_hours
        return
    if not raw:
        check.errors.append("Hours are missing (or set a default for the whole file).")
        return
    hours = _parse_hours(raw)
    if hours is None or hours <= 0:
        check.errors.append(f"“{raw}” is not a number of hours.")
        return
    check.hours = hours
    if job.kind == ImportJob.Kind.CREDIT:
        designation = job.designation
        assert designation is not None  # a database constraint
        if not is_quarter_step(hours):
            check.errors.append(f"{raw} hours: use quarter-hour steps (0.25, 0.5 …).")
        elif hours > designation.max_hours:
            check.errors.append(
                f"{raw} hours is more than the {designation.max_hours.normalize():f} designated."
            )


def _check_historical(check: RowCheck, job: ImportJob, types: dict[str, CreditType]) -> None:
    values = check.values
    if not values.get("activity_title"):
        check.errors.append("The activity title is missing.")
    raw_date = values.get("completed_on", "")
    check.completed_on = parse_date(raw_date) if raw_date else None
    if check.completed_on is None:
        check.errors.append(
            f"“{raw_date}” is not a date (use 2025-03-14 or 03/14/2025)."
            if raw_date
            else "The date completed is missing."
        )
    label = values.get("credit_type", "")
    if not label:
        check.errors.append("The credit type is missing.")
    check.credit_type = types.get(label.lower()) if label else None
    if check.ok and check.hours is not None and check.completed_on is not None:
        natural = "|".join(
            [
                str(job.publisher_id),
                " ".join(values["activity_title"].lower().split()),
                " ".join(values.get("provider", "").lower().split()),
                check.completed_on.isoformat(),
                label.lower(),
                f"{check.hours:f}",
            ]
        )
        check.source_key = hashlib.sha256(natural.encode()).hexdigest()


def import_preview(*, job: ImportJob, sheet: Sheet | None = None) -> ImportPreview:
    """Every row of the file checked with the job's mapping, learners matched (by email,
    then NABP ID + last name, then license + last name). Queries: users, NABP IDs,
    licenses, merged accounts, credit types (historical): constant in the number of rows."""
    sheet = sheet or import_sheet(job=job)
    mapping = {k: v for k, v in job.mapping.items() if v}
    raw_rows = [(line, _values(sheet, mapping, cells)) for line, cells in sheet.rows]
    matcher = _Matcher.for_rows([values for _, values in raw_rows])
    types = _credit_types() if job.kind == ImportJob.Kind.HISTORICAL else {}
    seen: dict[tuple[str, str], int] = {}
    checks = []
    for line, values in raw_rows:
        check = RowCheck(line=line, values=values)
        first, last = values.get("first_name", ""), values.get("last_name", "")
        if values.get("full_name") and not (first and last):
            first, last = split_full_name(values["full_name"])
        check.first_name, check.last_name = first[:100], last[:100]
        email = values.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                check.errors.append(f"“{email}” is not an email address.")
            check.email = email
        check.learner = matcher.match(values, last) if check.ok else None
        if check.ok and check.learner is None:
            if not email:
                check.errors.append(
                    "No learner matches this row: add an email address (an account is then "
                    "created) or a license / NABP ID with the last name on file."
                )
            elif not (first and last):
                check.errors.append("A first and last name are needed to create an account.")
        if job.kind in (ImportJob.Kind.CREDIT, ImportJob.Kind.HISTORICAL):
            _check_hours(check, job)
        if job.kind == ImportJob.Kind.HISTORICAL:
            _check_historical(check, job, types)
        if check.ok:
            who = str(check.learner.pk) if check.learner else email.lower()
            key = (who, check.source_key)
            if key in seen:
                check.errors.append(f"The same learner as line {seen[key]}.")
            else:
                seen[key] = line
        checks.append(check)
    return ImportPreview(headers=sheet.headers, rows=checks)


PREVIEW_ROWS = 200


@dataclass
class ImportPage:
    """What the import page shows: the preview while columns are being checked, the
    progress while it runs, the rows not imported once done."""

    job: ImportJob
    sheet: Sheet | None
    preview: ImportPreview | None
    problems: list[ImportRow]
    same_file_before: ImportJob | None

    @property
    def preview_rows(self) -> list[RowCheck]:
        """Problems first (what the coordinator must act on), then the good rows."""
        if self.preview is None:
            return []
        return [*self.preview.error_rows, *(r for r in self.preview.rows if r.ok)][:PREVIEW_ROWS]


def import_page(*, job: ImportJob, sheet: Sheet | None = None) -> ImportPage:
    """Queries: the file is read from storage; preview as `import_preview`; the rows not
    imported (1) once finished; an earlier import of the same file (1)."""
    preview = None
    if job.status == ImportJob.Status.MAPPING:
        sheet = sheet or import_sheet(job=job)
        preview = import_preview(job=job, sheet=sheet)
    problems = list(job.rows.filter(outcome=ImportRow.Outcome.ERROR)) if job.is_finished else []
    same = (
        ImportJob.objects.filter(
            publisher_id=job.publisher_id,
            file_sha256=job.file_sha256,
            status=ImportJob.Status.DONE,
        )
        .exclude(pk=job.pk)
        .first()
    )
    return ImportPage(
        job=job, sheet=sheet, preview=preview, problems=problems, same_file_before=same
    )


# Reminders -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimReminderDue:
    learner: User
    session: Session
    kind: str  # "claim-<days>"
    closes_at: datetime.datetime

    @property
    def zone(self) -> str:
        return self.session.activity.publisher.time_zone


def _opted_out() -> Q:
    return Q(
        Exists(
            ReminderPreference.objects.filter(user=OuterRef("learner"), opted_out_at__isnull=False)
        )
    )


def claim_reminders_due(*, now: datetime.datetime) -> list[ClaimReminderDue]:
    """Attended-but-not-claimed learners whose claim window closes within one of their
    publisher's reminder offsets, nearest offset only, not yet sent, not opted out.

    A run that finds both the 7-day and the 1-day reminder due (a missed week of cron)
    sends only the 1-day one: the nearest offset due is the one that counts.
    """
    schedules: dict[int, ReminderSettings] = {
        s.publisher_id: s for s in ReminderSettings.objects.all()
    }
    default_days = ReminderSettings().days
    longest = max([default_days[0], *(max(s.days or [0]) for s in schedules.values())])
    horizon = now + datetime.timedelta(days=longest)
    # Candidate sessions: a window that closes between now and the longest offset. The
    # window is the activity's explicit close, else session end + 30 days.
    from celedger.credits.selectors import DEFAULT_CLAIM_DAYS

    default_span = datetime.timedelta(days=DEFAULT_CLAIM_DAYS)
    sessions = list(
        Session.objects.filter(
            Q(activity__claim_closes_at__gt=now, activity__claim_closes_at__lte=horizon)
            | Q(
                activity__claim_closes_at__isnull=True,
                ends_at__gt=now - default_span,
                ends_at__lte=horizon - default_span,
            ),
            activity__status__in=[Activity.Status.PUBLISHED, Activity.Status.CLOSED],
        ).select_related("activity__publisher")
    )
    due_kind: dict[int, tuple[str, int, datetime.datetime]] = {}
    for session in sessions:
        schedule = schedules.get(session.activity.publisher_id)
        if schedule is not None and not schedule.enabled:
            continue
        days = schedule.days if schedule is not None else default_days
        _, closes_at = claim_window(session=session)
        if not (now < closes_at):
            continue
        due = [d for d in days if now >= closes_at - datetime.timedelta(days=d)]
        if due:
            nearest = min(due)
            due_kind[session.pk] = (f"claim-{nearest}", nearest, closes_at)
    if not due_kind:
        return []
    by_id = {s.pk: s for s in sessions}
    attendances = (
        Attendance.objects.filter(session_id__in=due_kind, learner__is_active=True)
        .exclude(_opted_out())
        .exclude(
            Exists(
                Claim.objects.filter(
                    learner=OuterRef("learner"),
                    session=OuterRef("session"),
                    status=Claim.Status.ACTIVE,
                )
            )
        )
        .select_related("learner")
        .order_by("learner_id", "session_id")
    )
    sent = set(
        ReminderSent.objects.filter(
            session_id__in=due_kind, kind__startswith="claim-"
        ).values_list("learner_id", "session_id", "kind")
    )
    result = []
    for attendance in attendances:
        kind, nearest, closes_at = due_kind[attendance.session_id]
        # A nearer reminder already sent makes a farther one pointless.
        earlier = {
            k
            for (lid, sid, k) in sent
            if lid == attendance.learner_id and sid == attendance.session_id
        }
        if kind in earlier or any(int(k.split("-")[1]) <= nearest for k in earlier):
            continue
        result.append(
            ClaimReminderDue(
                learner=attendance.learner,
                session=by_id[attendance.session_id],
                kind=kind,
                closes_at=closes_at,
            )
        )
    return result


@dataclass(frozen=True)
class HeldReminderDue:
    row: LearnerRecordRow
    kind: str  # "held-<days>": days before the record's reporting deadline


def held_reminders_due(*, now: datetime.datetime) -> dict[User, list[HeldReminderDue]]:
    """Learners whose reporting records are held for their own data (NABP e-Profile ID,
    birth date, profession, board ID, MOC consent), when the record's reporting deadline
    (CPE Monitor 60 days, PARS MOC 30 days after participation) is within one of the
    publisher's reminder offsets: nearest offset only, once, not opted out."""
    today = now.date()
    rows = records_held_for_learner_data(today=today)
    if not rows:
        return {}
    schedules = {s.publisher_id: s for s in ReminderSettings.objects.all()}
    default_days = ReminderSettings().days
    learner_ids = {row.record.learner_id for row in rows}
    opted_out = set(
        ReminderPreference.objects.filter(
            user_id__in=learner_ids, opted_out_at__isnull=False
        ).values_list("user_id", flat=True)
    )
    sent: dict[int, set[int]] = defaultdict(set)
    for record_id, kind in ReminderSent.objects.filter(
        learner_id__in=learner_ids, kind__startswith="held-"
    ).values_list("reporting_record_id", "kind"):
        sent[record_id].add(int(kind.split("-")[1]))
    due: dict[User, list[HeldReminderDue]] = {}
    for row in rows:
        record = row.record
        schedule = schedules.get(record.publisher_id)
        if record.learner_id in opted_out or (schedule is not None and not schedule.enabled):
            continue
        days = schedule.days if schedule is not None else default_days
        offsets = [d for d in days if today >= record.due_on - datetime.timedelta(days=d)]
        if not offsets:
            continue
        nearest = min(offsets)
        # A nearer reminder already sent makes a farther one pointless.
        if any(d <= nearest for d in sent[record.pk]):
            continue
        due.setdefault(record.learner, []).append(HeldReminderDue(row=row, kind=f"held-{nearest}"))
    return due


# Account merge ---------------------------------------------------------------------


def merge_allowed(*, user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm("rollout.merge_accounts")))


def merge_require(*, user: User) -> None:
    """Site staff only: 404 for everyone else, so the tool's existence is not advertised."""
    if not user.is_authenticated:
        raise Http404
    if not merge_allowed(user=user):
        raise PermissionDenied


def learner_get_by_email(*, email: str) -> User | None:
    return get_user_model().objects.filter(email__iexact=email.strip()).first()


@dataclass
class MergePreview:
    source: User
    target: User
    moves: dict[str, int]
    conflicts: list[Claim]
    notes: list[str]
    source_profile: LearnerProfile | None
    target_profile: LearnerProfile | None

    @property
    def allowed(self) -> bool:
        return not self.conflicts and not self.notes_blocking

    notes_blocking: list[str] = field(default_factory=list)


def movable_responses(*, source: User, target: User) -> QuerySet[Response]:
    """The source's evaluations the target has no answer for (per session or per activity)."""
    target_responses = Response.objects.filter(learner=target)
    return Response.objects.filter(learner=source).exclude(
        Q(session__isnull=False, session__in=target_responses.values("session"))
        | Q(
            session__isnull=True,
            activity__in=target_responses.filter(session__isnull=True).values("activity"),
        )
    )


def merge_preview(*, source: User, target: User) -> MergePreview:
    """What merging `source` into `target` moves, and why it may be refused."""
    blocking = []
    if source.pk == target.pk:
        blocking.append("Choose two different accounts.")
    if not source.is_active:
        blocking.append(f"{source.email} is deactivated (already merged?).")
    if not target.is_active:
        blocking.append(f"{target.email} is deactivated; merge into an active account.")
    if source.is_staff or source.is_superuser:
        blocking.append("Site staff accounts are not merged away.")
    source_claims = Claim.objects.filter(learner=source, status=Claim.Status.ACTIVE)
    conflicts = list(
        source_claims.filter(
            Exists(
                Claim.objects.filter(
                    learner=target,
                    status=Claim.Status.ACTIVE,
                    session=OuterRef("session"),
                    designation=OuterRef("designation"),
                )
            )
        ).select_related("session__activity", "designation__credit_type")
    )
    target_sessions = Attendance.objects.filter(learner=target).values("session")
    target_publishers = StaffMembership.objects.filter(user=target).values("publisher")
    moves = {
        "claims": Claim.objects.filter(learner=source).count(),
        "certificates": certificates_movable(source=source, target=target).count(),
        "evaluations": movable_responses(source=source, target=target).count(),
        "attendance": Attendance.objects.filter(learner=source)
        .exclude(session__in=target_sessions)
        .count(),
        "external credit": ExternalCredit.objects.filter(learner=source).count(),
        "memberships": StaffMembership.objects.filter(user=source)
        .exclude(publisher__in=target_publishers)
        .count(),
        "pending awards": PendingAward.objects.filter(
            learner=source, status=PendingAward.Status.PENDING
        ).count(),
    }
    source_profile = LearnerProfile.objects.filter(user=source).first()
    target_profile = LearnerProfile.objects.filter(user=target).first()
    notes = [
        "Reporting records (CPE Monitor, PARS) follow the claims: they are recomputed for "
        "both accounts after the merge.",
        f"{source.email} is deactivated (never deleted) and can no longer sign in.",
    ]
    if source_profile and not target_profile:
        notes.append("The profile moves too (the kept account has none).")
    elif source_profile:
        notes.append(
            "The kept account's profile is kept; the other profile stays on the "
            "deactivated account."
        )
    if certificates_shared(source=source, target=target).exists():
        notes.append(
            "Where both hold a certificate for one activity, the kept account's is "
            "re-issued with all the credit and the other is revoked."
        )
    return MergePreview(
        source=source,
        target=target,
        moves=moves,
        conflicts=conflicts,
        notes=notes,
        source_profile=source_profile,
        target_profile=target_profile,
        notes_blocking=blocking,
    )


@dataclass(frozen=True)
class DuplicatePair:
    check: DuplicateCheck
    existing: User
    new: User


def duplicate_pairs(*, limit: int = 100) -> list[DuplicatePair]:
    """ "This is not me" sign-ups not yet reviewed: the entry list for merging."""
    checks = (
        DuplicateCheck.objects.filter(
            outcome=DuplicateCheck.Outcome.MATCH_NOT_ME,
            reviewed_at__isnull=True,
            matched_user__isnull=False,
            new_user__isnull=False,
            matched_user__is_active=True,
            new_user__is_active=True,
        )
        .select_related("matched_user", "new_user")
        .order_by("-created_at")[:limit]
    )
    return [
        DuplicatePair(check=c, existing=c.matched_user, new=c.new_user)  # type: ignore[arg-type]
        for c in checks
    ]
