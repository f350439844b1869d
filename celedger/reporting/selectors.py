"""Reads for the reporting pages: exports, the records dashboard, a learner's records."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from celedger.activities.models import Activity
from celedger.core.rows import model_columns
from celedger.publishers.models import Publisher, StaffMembership
from celedger.publishers.selectors import role_allows
from celedger.reporting import checks
from celedger.reporting.models import (
    ActivityReporting,
    ExportJob,
    ReportingRecord,
    ResponseUpload,
    board_schema_code,
)

Role = StaffMembership.Role
Status = ReportingRecord.Status
Channel = ReportingRecord.Channel

LIST_LIMIT = 50


def exports_for_publisher(*, publisher: Publisher, limit: int = LIST_LIMIT) -> list[ExportJob]:
    """The publisher's newest exports with who asked for them (one query)."""
    jobs: QuerySet[ExportJob] = ExportJob.objects.filter(publisher=publisher).select_related(
        "requested_by"
    )
    return list(jobs[:limit])


ACCREDITOR_OF_KIND: dict[str, str] = {
    ExportJob.Kind.CPE_MONITOR: "NABP",
    ExportJob.Kind.PARS_MOC: "ACCME",
    ExportJob.Kind.PARS_MOC_TAB: "ACCME",
}
# What a finished file that sends nothing is for: no accreditor's answer to wait for.
NOT_SENT_NOTES: dict[str, str] = {
    ExportJob.Kind.CREDIT_CLAIMS: "A file for your own records: not sent to an accreditor.",
    ExportJob.Kind.PARS_ACTIVITIES: (
        "Not sent from here: upload it to PARS yourself. Its answer is not tracked."
    ),
}


@dataclass(frozen=True)
class Submission:
    """Where the records one batch file sent stand with the accreditor now."""

    accreditor: str
    awaiting: int = 0
    accepted: int = 0
    rejected: int = 0
    # Corrected by a later record, or rejected and changed since: they go in a later file.
    replaced: int = 0

    @property
    def headline(self) -> str:
        if self.awaiting:
            return f"Sent: awaiting {self.accreditor}'s answer"
        if self.rejected:
            return "Rejected in part" if self.accepted else "Rejected"
        if self.accepted:
            return "Accepted"
        return "Sent"

    @property
    def tone(self) -> str:
        """The badge's class: accepted is done, a rejection needs work."""
        if self.awaiting:
            return ""
        if self.rejected:
            return "badge-err"
        return "badge-ok" if self.accepted else ""

    @property
    def parts(self) -> list[str]:
        counts = [
            (self.accepted, "accepted"),
            (self.rejected, "rejected"),
            (self.awaiting, "awaiting the answer"),
            (self.replaced, "corrected or sent again since"),
        ]
        return [f"{n} {words}" for n, words in counts if n]


@dataclass(frozen=True)
class ExportRow:
    """One job on the exports page and what its status means for its kind."""

    job: ExportJob
    # A finished batch's records with the accreditor; None for the other kinds.
    submission: Submission | None = None

    @property
    def not_sent_note(self) -> str:
        return NOT_SENT_NOTES.get(self.job.kind, "") if self.job.status == "done" else ""


def export_rows(*, publisher: Publisher, limit: int = LIST_LIMIT) -> list[ExportRow]:
    """The publisher's newest exports and, for each finished batch, where the records it
    sent stand with the accreditor (exported: awaiting, accepted, rejected, or changed
    since). Queries: the jobs (1) and, with a finished batch among them, the records'
    statuses per file (1). That count reads the publisher's records through the
    (publisher, status) index: `exported_in` has no index of its own, on purpose (every
    record a batch marks would write one: docs/decisions.md)."""
    jobs = exports_for_publisher(publisher=publisher, limit=limit)
    batches = [j.pk for j in jobs if j.sends_records and j.status == ExportJob.Status.DONE]
    counts: dict[int, dict[str, int]] = {pk: {} for pk in batches}
    if batches:
        for job_id, status, n in (
            ReportingRecord.objects.filter(publisher=publisher, exported_in_id__in=batches)
            .values_list("exported_in_id", "status")
            .annotate(n=Count("id"))
            .order_by()
        ):
            counts[job_id][status] = n
    rows = []
    for job in jobs:
        by_status = counts.get(job.pk)
        submission = None
        if by_status is not None:
            submission = Submission(
                accreditor=ACCREDITOR_OF_KIND[job.kind],
                awaiting=by_status.get(Status.EXPORTED, 0),
                accepted=by_status.get(Status.ACCEPTED, 0),
                rejected=by_status.get(Status.REJECTED, 0),
                replaced=sum(
                    n
                    for status, n in by_status.items()
                    if status not in (Status.EXPORTED, Status.ACCEPTED, Status.REJECTED)
                ),
            )
        rows.append(ExportRow(job=job, submission=submission))
    return rows


def export_get_for_download(*, publisher: Publisher, pk: int) -> ExportJob:
    """A finished export of this publisher with a file; anything else is a 404."""
    job = ExportJob.objects.filter(
        publisher=publisher, pk=pk, status=ExportJob.Status.DONE
    ).first()
    if job is None or not job.file:
        raise Http404
    return job


# Reporting records ---------------------------------------------------------------------

DUE_SOON_DAYS = 7
HELD_LIMIT = 100
ACTIVITY_LIMIT = 100


@dataclass(frozen=True)
class HeldRow:
    record: ReportingRecord
    name: str
    fixes: list[checks.Check]


@dataclass(frozen=True)
class ActivityRow:
    activity: Activity
    accme_activity_id: str
    missing: list[str]


@dataclass(frozen=True)
class DashboardState:
    """The reporting dashboard: what is where, what is due, what is held and why."""

    publisher: Publisher
    can_edit: bool
    counts: dict[str, dict[str, int]]  # channel -> status -> count
    due_soon: list[ReportingRecord]
    held: list[HeldRow]
    held_total: int
    rejected: list[ReportingRecord]
    # Sent and not answered yet: staff mark them by hand when no response file comes.
    awaiting: list[ReportingRecord]
    activities: list[ActivityRow]
    uploads: list[ResponseUpload]
    today: datetime.date
    statuses: list[tuple[str, str]] = field(default_factory=lambda: list(Status.choices))


def _name(record: ReportingRecord) -> str:
    profile = getattr(record.learner, "profile", None)
    return f"{profile.first_name} {profile.last_name}" if profile else record.learner.email


def dashboard_state(*, publisher: Publisher, today: datetime.date | None = None) -> DashboardState:
    """Counts by channel and status, records due within 7 days, held records with their
    fix, and each activity's readiness for the annual report (bounded queries)."""
    from celedger.reporting.batches import activity_missing, commercial_support_for

    today = today or timezone.now().astimezone(publisher.zone).date()
    role = publisher.membership.role  # type: ignore[attr-defined]
    counts: dict[str, dict[str, int]] = {
        c: dict.fromkeys(Status.values, 0) for c in Channel.values
    }
    for channel, status, number in (
        ReportingRecord.objects.filter(publisher=publisher, is_current=True)
        .values_list("channel", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[channel][status] = number
    current = ReportingRecord.objects.filter(publisher=publisher, is_current=True).select_related(
        "learner__profile", "activity", "board", "designation__credit_type"
    )
    due_soon = list(
        current.filter(
            status__in=[Status.PENDING, Status.HELD],
            due_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        ).order_by("due_on", "id")[:HELD_LIMIT]
    )
    held_qs = current.filter(status=Status.HELD).order_by("due_on", "id")
    held = [
        HeldRow(record=r, name=_name(r), fixes=[checks.CHECKS[c] for c in r.hold_reasons])
        for r in held_qs[:HELD_LIMIT]
    ]
    rejected = list(current.filter(status=Status.REJECTED).order_by("due_on", "id")[:HELD_LIMIT])
    awaiting = list(
        current.filter(status=Status.EXPORTED).order_by("-exported_at", "-id")[:HELD_LIMIT]
    )
    activities = list(
        Activity.objects.filter(publisher=publisher)
        .exclude(status=Activity.Status.DRAFT)
        .select_related("reporting")
        .prefetch_related("designations__credit_type")
        .order_by("-starts_on", "pk")[:ACTIVITY_LIMIT]
    )
    support = commercial_support_for([a.pk for a in activities])
    rows = [
        ActivityRow(
            activity=a,
            accme_activity_id=getattr(getattr(a, "reporting", None), "accme_activity_id", ""),
            missing=activity_missing(a, support.get(a.pk)),
        )
        for a in activities
    ]
    return DashboardState(
        publisher=publisher,
        can_edit=role_allows(role=role, min_role=Role.COORDINATOR),
        counts=counts,
        due_soon=due_soon,
        held=held,
        held_total=counts[Channel.CPE_MONITOR][Status.HELD] + counts[Channel.PARS][Status.HELD],
        rejected=rejected,
        awaiting=awaiting,
        activities=rows,
        uploads=list(ResponseUpload.objects.filter(publisher=publisher)[:10]),
        today=today,
    )


def record_get_for_staff(*, publisher: Publisher, pk: int) -> ReportingRecord:
    """A current record of this publisher, or 404."""
    record = ReportingRecord.objects.filter(publisher=publisher, pk=pk, is_current=True).first()
    if record is None:
        raise Http404
    return record


@dataclass(frozen=True)
class LearnerRecordRow:
    record: ReportingRecord
    fixes: list[checks.Check]


def _learner_fixes(record: ReportingRecord) -> list[checks.Check]:
    return [checks.CHECKS[c] for c in record.hold_reasons if checks.CHECKS[c].learner_must_act]


def _current_held_or_rejected(*, learner_id: int, limit: int) -> list[ReportingRecord]:
    """The learner's current held or rejected records, by due date, each with its activity
    and publisher. Written out (`core/rows.py`): the layout's banner reads it on every page
    a pharmacist, technician or board member opens, and the ORM compiled the same join
    afresh each time (docs/performance.md)."""
    using = router.db_for_read(ReportingRecord)
    conn = connections[using]
    quote = conn.ops.quote_name
    record = model_columns(ReportingRecord, alias="r", using=using)
    activity = model_columns(Activity, alias="a", using=using, start=record.end)
    publisher = model_columns(Publisher, alias="p", using=using, start=activity.end)
    sql = (
        f"SELECT {record.sql}, {activity.sql}, {publisher.sql} "
        f"FROM {quote(ReportingRecord._meta.db_table)} r "
        f"JOIN {quote(Activity._meta.db_table)} a ON a.id = r.activity_id "
        f"JOIN {quote(Publisher._meta.db_table)} p ON p.id = r.publisher_id "
        "WHERE r.learner_id = %s AND r.is_current = %s AND r.status IN (%s, %s) "
        "ORDER BY r.due_on, r.id LIMIT %s"
    )
    params: list[Any] = [learner_id, True, Status.HELD.value, Status.REJECTED.value, limit]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    records = []
    for row in found:
        item = record.instance(row, using=using)
        item._state.fields_cache["activity"] = activity.instance(row, using=using)
        item._state.fields_cache["publisher"] = publisher.instance(row, using=using)
        records.append(item)
    return records


def learner_fixes(*, user: Any) -> list[LearnerRecordRow]:
    """The learner's own current records that need them: held for something they can fix,
    or rejected (one query; used by the banner and the learner's page)."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = []
    for record in _current_held_or_rejected(learner_id=user.pk, limit=20):
        fixes = _learner_fixes(record)
        if fixes or record.status == Status.REJECTED:
            rows.append(LearnerRecordRow(record=record, fixes=fixes))
    return rows


def records_held_for_learner_data(*, today: datetime.date) -> list[LearnerRecordRow]:
    """Current records held for data only the learner can give (NABP e-Profile ID, birth
    date, profession, board ID, MOC consent) and still in time to report (due date not
    passed), by learner: what the reminders read."""
    rows = []
    for record in (
        ReportingRecord.objects.filter(
            is_current=True, status=Status.HELD, due_on__gte=today, learner__is_active=True
        )
        .select_related("learner", "activity", "publisher", "board")
        .order_by("learner_id", "due_on", "pk")
        .iterator(chunk_size=500)
    ):
        fixes = _learner_fixes(record)
        if fixes:
            rows.append(LearnerRecordRow(record=record, fixes=fixes))
    return rows


def learner_records(*, user: Any) -> list[LearnerRecordRow]:
    """Every current record of the learner, newest first (their "reported credit" page)."""
    return [
        LearnerRecordRow(
            record=r,
            fixes=_learner_fixes(r),
        )
        for r in ReportingRecord.objects.filter(learner=user, is_current=True)
        .select_related("activity", "publisher", "board", "designation__credit_type")
        .order_by("-participated_on", "-id")[:200]
    ]


def activity_reporting_get_for_staff(*, publisher: Publisher, pk: int) -> ActivityReporting:
    """The activity's reporting row (unsaved if new) for this publisher's staff, or 404."""
    activity = Activity.objects.filter(publisher=publisher, pk=pk).first()
    if activity is None:
        raise Http404
    return ActivityReporting.objects.filter(activity=activity).first() or ActivityReporting(
        activity=activity
    )


def activity_boards(*, activity: Activity) -> list[str]:
    """Board codes (as ACCME spells them) the activity designates MOC credit for."""
    return sorted(
        board_schema_code(code)
        for code in activity.designations.filter(credit_type__board__isnull=False).values_list(
            "credit_type__board__code", flat=True
        )
    )
