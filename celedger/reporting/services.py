"""Exports for accreditors and boards, built in the background with progress on the job row.

Each kind streams claims in chunks (`iterator(chunk_size=...)` with the rows it needs
joined or prefetched), writes them to a temporary file, then stores the file through
Django's default storage. Progress is written every PROGRESS_EVERY rows with a single
UPDATE so a page can poll it; any exception marks the job failed with a message.
"""

import contextlib
import datetime
import functools
import itertools
import logging
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from celedger.core.outbox import outbox_enqueue
from celedger.core.services import audit_record
from celedger.core.spreadsheets import SafeCsvWriter, XlsxWriter
from celedger.credits.models import Claim
from celedger.profiles.models import LICENSE_PLACEHOLDER, LearnerProfile
from celedger.publishers.models import Publisher
from celedger.reporting.checks import CPE_MONITOR_DAYS, MOC_DAYS  # noqa: F401  (pages show them)
from celedger.reporting.emails import reporting_fix_request_send
from celedger.reporting.models import ActivityReporting, ExportJob, ReportingRecord, ResponseUpload
from celedger.reporting.writing import (
    CHUNK_SIZE,
    ExportError,
    Output,
    Text,
    hours_text,
    progress,
    set_total,
    stamp,
)

logger = logging.getLogger(__name__)

Kind = ExportJob.Kind
# The file formats of each kind, the default first.
FORMATS_BY_KIND: dict[str, tuple[str, ...]] = {
    Kind.CREDIT_CLAIMS: ("csv", "xlsx"),
    Kind.CPE_MONITOR: ("csv",),
    Kind.PARS_MOC: ("json",),
    Kind.PARS_MOC_TAB: ("txt", "xlsx"),
    Kind.PARS_ACTIVITIES: ("json", "xlsx"),
}
# A job no worker finished in this time was stranded (a worker died, or none runs).
STALE_AFTER = datetime.timedelta(hours=2)


# Starting ------------------------------------------------------------------------------


def export_start(
    *,
    publisher: Publisher,
    requested_by: Any,
    kind: str,
    date_from: datetime.date,
    date_to: datetime.date,
    file_format: str = "csv",
) -> ExportJob:
    """Record a queued export with its outbox message; the outbox worker runs it."""
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose a kind of export."})
    if date_to < date_from:
        raise ValidationError({"date_to": "The end date cannot be before the start date."})
    file_format = file_format if file_format in FORMATS_BY_KIND[kind] else FORMATS_BY_KIND[kind][0]
    job = ExportJob(
        publisher=publisher,
        requested_by=requested_by,
        kind=kind,
        params={
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "format": file_format,
        },
    )
    with transaction.atomic():
        job.full_clean()
        job.save()
        # In the job's transaction: no job without its message, no message without its job.
        # A worker that dies mid-export lets the lease lapse; the next one starts it again.
        outbox_enqueue(
            kind="reporting.export_run",
            payload={"job_id": job.pk},
            dedupe_key=f"reporting.export_run:{job.pk}",
        )
    return job


# Running -------------------------------------------------------------------------------


def export_run(*, job_id: int) -> ExportJob | None:
    """Build the job's file; a failure of any kind marks the job failed, never lost."""
    job = ExportJob.objects.select_related("publisher").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    job.status = ExportJob.Status.RUNNING
    try:
        with without_jit():
            return _export_write(job)
    except ExportError as exc:
        _fail(job, str(exc))
    except Exception as exc:
        logger.exception("export %s failed", job.pk)
        _fail(
            job,
            "The export stopped because of an unexpected error "
            f"({type(exc).__name__}: {exc}). Start it again; if it fails again, "
            "tell your site administrator.",
        )
    job.finished_at = timezone.now()
    job.save(update_fields=JOB_FIELDS)
    return job


def _export_write(job: ExportJob) -> ExportJob:
    writer = WRITERS[Kind(job.kind)]
    with tempfile.TemporaryFile() as raw:
        output = writer(job, raw)
        raw.seek(0)
        with transaction.atomic():
            job.file.save(output.filename, File(raw), save=False)
            job.result = output.result
            job.status = ExportJob.Status.DONE
            job.done = job.total
            job.finished_at = timezone.now()
            job.save(update_fields=JOB_FIELDS)
            if output.sent is not None:
                marked = records_mark_exported(job=job, sent=output.sent)
                if changed := len(output.sent) - marked:
                    # Changed (or held) while the file was written: they stay pending
                    # with their new values and go in the next file.
                    job.result = {**job.result, "changed_meanwhile": changed}
                    job.save(update_fields=["result"])
    return job


@contextlib.contextmanager
def without_jit() -> Iterator[None]:
    """PostgreSQL's JIT off for the export's queries. The PARS read's estimate (a
    diplomate subquery per record) passes jit_optimize_above_cost, and compiling it took
    about 3 s of CPU for a 2 s query (EXPLAIN ANALYZE, 100,000 records)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")
        except DatabaseError:  # a broken connection is dropped, its setting with it
            logger.warning("could not reset jit after an export", exc_info=True)


JOB_FIELDS = ["status", "done", "total", "file", "result", "error", "finished_at"]
MARK_CHUNK = 2000
COPY_CHUNK = 10_000


def records_mark_exported(*, job: ExportJob, sent: Iterable[tuple[int, datetime.datetime]]) -> int:
    """Mark the records a stored file sends as exported in it: only those still pending
    and unchanged since the file read them (the `updated_at` it read). A record a
    recompute changed meanwhile (a second worker) stays pending with its new values and
    goes in the next file, instead of being marked as sent with values it did not send.

    On PostgreSQL one UPDATE joins the (id, updated_at) pairs, copied into a temporary
    table (COPY, 10,000 a write, so memory stays the two arrays): 100,000 records in one
    statement. Returns how many were marked."""
    pending = ReportingRecord.Status.PENDING
    values = {
        "status": ReportingRecord.Status.EXPORTED,
        "exported_in": job,
        "exported_at": job.finished_at,
        "updated_at": job.finished_at,
    }
    if connection.vendor == "postgresql":
        table = ReportingRecord._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE export_sent (id bigint, read_at timestamptz)"
                " ON COMMIT DROP"
            )
            with cursor.copy("COPY export_sent (id, read_at) FROM STDIN") as copy:
                for chunk in itertools.batched(sent, COPY_CHUNK):
                    copy.write("".join(f"{pk}\t{at.isoformat()}\n" for pk, at in chunk))
            cursor.execute(
                f"UPDATE {table} AS r SET status = %s, exported_in_id = %s, exported_at = %s,"
                " updated_at = %s FROM export_sent AS s"
                " WHERE r.id = s.id AND r.status = %s AND r.updated_at = s.read_at",
                [
                    ReportingRecord.Status.EXPORTED,
                    job.pk,
                    job.finished_at,
                    job.finished_at,
                    pending,
                ],
            )
            marked: int = cursor.rowcount
            cursor.execute("DROP TABLE export_sent")
        return marked
    marked = 0
    with transaction.atomic():
        for chunk in itertools.batched(sent, MARK_CHUNK):
            read_at = dict(chunk)
            unchanged = [
                pk
                for pk, at in ReportingRecord.objects.filter(
                    pk__in=read_at, status=pending
                ).values_list("pk", "updated_at")
                if at == read_at[pk]
            ]
            marked += ReportingRecord.objects.filter(pk__in=unchanged).update(**values)
    return marked


def exports_expire_stale(*, publisher: Publisher, now: datetime.datetime | None = None) -> int:
    """Mark the publisher's unfinished jobs older than STALE_AFTER failed; returns how many.

    Run whenever the exports page is read, so a job left behind by a dead worker never
    shows a progress bar forever.
    """
    cutoff = (now or timezone.now()) - STALE_AFTER
    return ExportJob.objects.filter(
        publisher=publisher,
        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
        created_at__lt=cutoff,
    ).update(
        status=ExportJob.Status.FAILED,
        finished_at=timezone.now(),
        error="No task worker finished this export within two hours (is `manage.py "
        "db_worker` running?). Start it again.",
    )


def _fail(job: ExportJob, message: str) -> None:
    job.status = ExportJob.Status.FAILED
    job.error = message
    job.file = ""  # type: ignore[assignment]


# Reading claims ------------------------------------------------------------------------


def claims_in_range(*, job: ExportJob) -> QuerySet[Claim]:
    """Active claims of the job's publisher whose session started within its dates.

    The dates are days in the publisher's time zone, both inclusive.
    """
    zone = job.publisher.zone
    date_from = datetime.date.fromisoformat(job.params["date_from"])
    date_to = datetime.date.fromisoformat(job.params["date_to"])
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return Claim.objects.filter(
        status=Claim.Status.ACTIVE,
        session__activity__publisher=job.publisher,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    ).order_by("session__starts_at", "learner__profile__last_name", "learner_id", "id")


# Credit claims -------------------------------------------------------------------------

CLAIMS_HEADER = [
    "Learner",
    "Email",
    "Credentials",
    "Profession",
    "License number",
    "License state",
    "NABP e-Profile ID",
    "Activity",
    "Event ID",
    "Session date",
    "Credit type",
    "Hours",
    "ACPE UAN",
    "Claimed at",
]
CLAIMS_VALUES = (
    "learner__profile__pk",
    "learner__profile__first_name",
    "learner__profile__last_name",
    "learner__email",
    "learner__profile__profession__name",
    "learner__profile__license_number",
    "learner__profile__license_state",
    "learner__profile__nabp_eprofile_id",
    "session__activity__title",
    "session__event_id",
    "session__starts_at",
    "designation__credit_type__name",
    "hours",
    "designation__uan",
    "attested_at",
)


CREDENTIALS_KEPT = 20_000


def _with_credentials(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Each row (whose first value is the profile's pk) with its learner's credentials as
    "MD, PhD": one query per chunk of rows for the learners not seen yet, remembered for at
    most CREDENTIALS_KEPT learners, so memory stays bounded however many rows."""
    through = LearnerProfile.credentials.through
    known: dict[int, str] = {}
    for chunk in itertools.batched(rows, CHUNK_SIZE):
        missing = {r[0] for r in chunk if r[0] is not None and r[0] not in known}
        if missing:
            if len(known) + len(missing) > CREDENTIALS_KEPT:
                known.clear()
            found: dict[int, list[str]] = defaultdict(list)
            for profile_pk, abbreviation in (
                through.objects.filter(learnerprofile_id__in=missing)
                .order_by("credential__abbreviation")
                .values_list("learnerprofile_id", "credential__abbreviation")
            ):
                found[profile_pk].append(abbreviation)
            known.update((pk, ", ".join(found.get(pk, ()))) for pk in missing)
        for row in chunk:
            yield known.get(row[0], ""), row


def credit_claim_rows(job: ExportJob) -> Iterator[list[str | Decimal | float]]:
    """One row per active claim in the range, streamed as value tuples (no model objects:
    memory stays flat); hours stay Decimal for the XLSX writer."""
    zone = job.publisher.zone
    claims = claims_in_range(job=job)
    set_total(job, claims.count())
    rows = claims.values_list(*CLAIMS_VALUES).iterator(chunk_size=CHUNK_SIZE)

    @functools.lru_cache(maxsize=4096)
    def local_day(starts_at: datetime.datetime) -> str:  # sessions repeat row after row
        return starts_at.astimezone(zone).date().isoformat()

    for credentials, (
        profile_pk,
        first_name,
        last_name,
        email,
        profession,
        license_number,
        license_state,
        nabp_id,
        title,
        event_id,
        starts_at,
        credit_type,
        hours,
        uan,
        attested_at,
    ) in progress(job, _with_credentials(rows)):
        has_profile = profile_pk is not None
        if has_profile and license_number.strip() == LICENSE_PLACEHOLDER:
            license_number = "missing"
        # Text cells are made formula-safe by the CSV and XLSX writers.
        yield [
            f"{first_name} {last_name}" if has_profile else "",
            email,
            credentials,
            profession or "",
            license_number or "",
            license_state or "",
            nabp_id or "",
            title,
            event_id,
            local_day(starts_at),
            credit_type,
            hours,
            uan,
            # "2026-12-01 09:30": isoformat is three times quicker than strftime.
            attested_at.astimezone(zone).isoformat(" ", "minutes")[:16],
        ]


def _credit_claims(job: ExportJob, raw: IO[bytes]) -> Output:
    file_format = job.params.get("format", "csv")
    hours_at = CLAIMS_HEADER.index("Hours")
    if file_format == "xlsx":
        with XlsxWriter(raw, "Credit claims") as sheet:
            sheet.append(CLAIMS_HEADER)
            for row in credit_claim_rows(job):
                row[hours_at] = float(row[hours_at])
                sheet.append(row)
    else:
        with Text(raw, bom=True) as text:
            writer = SafeCsvWriter(text)
            writer.writerow(CLAIMS_HEADER)
            for row in credit_claim_rows(job):
                row[hours_at] = hours_text(row[hours_at])  # type: ignore[arg-type]
                writer.writerow(row)
    return Output(filename=f"credit-claims-{stamp(job)}.{file_format}")


from celedger.reporting.batches import (  # noqa: E402  (batches use the helpers above)
    cpe_monitor_batch,
    pars_activities_file,
    pars_learners_json,
    pars_learners_tab,
)

WRITERS: dict[Kind, Callable[[ExportJob, IO[bytes]], Output]] = {
    Kind.CREDIT_CLAIMS: _credit_claims,
    Kind.CPE_MONITOR: cpe_monitor_batch,
    Kind.PARS_MOC: pars_learners_json,
    Kind.PARS_MOC_TAB: pars_learners_tab,
    Kind.PARS_ACTIVITIES: pars_activities_file,
}


# Records: the accreditor's answer, by hand or from its response file ---------------------

CCID_RE = re.compile(r"ccid:([^:\s,;\t]+):(\d+)")
EPID_UAN_RE = re.compile(r"\b(\d{1,7})\b.*?\b(\d{4}-\d{4}-\d{2}-\d{3}-[LH]\d{2}-[PT])\b", re.I)
REJECT_WORDS = ("reject", "error", "fail", "invalid", "not found", "denied")
ACCEPT_WORDS = ("accept", "success", "processed", "ok")


def record_mark(
    *, record: ReportingRecord, accepted: bool, reason: str = "", actor: Any = None
) -> ReportingRecord:
    """The accreditor's answer for one exported record. A rejection needs its reason and
    reaches the learner (email + banner); an accepted record is done."""
    Status = ReportingRecord.Status
    if record.status not in (Status.EXPORTED, Status.ACCEPTED, Status.REJECTED):
        raise ValidationError(
            "Only a record that was exported can be marked accepted or rejected."
        )
    if not accepted and not reason.strip():
        raise ValidationError({"reason": "Say why it was rejected: the learner sees this."})
    with transaction.atomic():
        locked = ReportingRecord.objects.select_for_update().get(pk=record.pk)
        if accepted:
            locked.status = ReportingRecord.Status.ACCEPTED
            locked.rejection_reason = ""
        else:
            locked.status = ReportingRecord.Status.REJECTED
            locked.rejection_reason = reason.strip()[:2000]
            reporting_fix_request_send(
                learner_id=locked.learner_id,
                record_holds=[(locked.pk, [])],
                rejection=locked.rejection_reason,
            )
        locked.save(update_fields=["status", "rejection_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="reporting.accepted" if accepted else "reporting.rejected",
            obj=locked,
            old={"status": record.status},
            new={"status": locked.status},
            reason=locked.rejection_reason,
        )
    return locked


def _reason(line: str) -> str:
    """The line without the record's identifiers: what the learner and staff should read."""
    text = CCID_RE.sub("", line)
    pair = EPID_UAN_RE.search(text)
    if pair:
        text = text.replace(pair.group(2), "").replace(pair.group(1), "", 1)
    return re.sub(r"^[\s,;|\t]+|[\s,;|\t]+$", "", text) or line.strip()


def _line_verdict(line: str) -> tuple[bool, str] | None:
    lowered = line.lower()
    if any(word in lowered for word in REJECT_WORDS):
        return False, _reason(line)
    if any(word in lowered for word in ACCEPT_WORDS):
        return True, ""
    return None


def _record_for_line(publisher: Publisher, channel: str, line: str) -> ReportingRecord | None:
    sent = ReportingRecord.objects.filter(
        publisher=publisher,
        channel=channel,
        is_current=True,
        status__in=[ReportingRecord.Status.EXPORTED, ReportingRecord.Status.ACCEPTED],
    )
    found = CCID_RE.search(line)
    if found and found.group(1) == publisher.code:
        return sent.filter(pk=int(found.group(2))).first()
    pair = EPID_UAN_RE.search(line)
    if pair and channel == ReportingRecord.Channel.CPE_MONITOR:
        return (
            sent.filter(
                learner__profile__nabp_eprofile_id=pair.group(1), uan=pair.group(2).upper()
            )
            .order_by("-exported_at")
            .first()
        )
    return None


def response_file_apply(
    *, publisher: Publisher, channel: str, uploaded: Any, actor: Any
) -> ResponseUpload:
    """Read an accreditor's response or error file, line by line: a line naming a record
    (our CreditID `ccid:<code>:<id>`, or e-Profile ID + UAN) and saying it failed marks it
    rejected with the line as reason; one saying it succeeded marks it accepted."""
    if channel not in ReportingRecord.Channel.values:
        raise ValidationError({"channel": "Choose CPE Monitor or PARS."})
    content = uploaded.read()
    if len(content) > 5 * 1024 * 1024:
        raise ValidationError({"file": "The file is larger than 5 MB."})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": "Upload the response as a text or CSV file."}) from exc
    upload = ResponseUpload(publisher=publisher, channel=channel, uploaded_by=actor)
    accepted = rejected = 0
    unmatched: list[str] = []
    with transaction.atomic():
        upload.file.save("response.txt", ContentFile(content), save=False)
        for line in text.splitlines():
            if not line.strip():
                continue
            verdict = _line_verdict(line)
            record = _record_for_line(publisher, channel, line)
            if verdict is None or record is None:
                if verdict is not None and len(unmatched) < 50:
                    unmatched.append(line.strip()[:300])
                continue
            record_mark(record=record, accepted=verdict[0], reason=verdict[1], actor=actor)
            accepted += verdict[0]
            rejected += not verdict[0]
        upload.result = {"accepted": accepted, "rejected": rejected, "unmatched": unmatched}
        upload.save()
    return upload


def activity_reporting_save(
    *, reporting: ActivityReporting, data: dict[str, Any], actor: Any
) -> ActivityReporting:
    """Save an activity's PARS fields; a new ACCME activity ID releases held MOC records."""
    before = {"accme_activity_id": reporting.accme_activity_id} if reporting.pk else {}
    for name, value in data.items():
        setattr(reporting, name, value)
    with transaction.atomic():
        reporting.full_clean()
        reporting.save()
        audit_record(
            actor=actor,
            action="reporting.activity_data",
            obj=reporting,
            old=before,
            new={"accme_activity_id": reporting.accme_activity_id},
        )
        learners = list(
            ReportingRecord.objects.filter(activity_id=reporting.activity_id, is_current=True)
            .exclude(status__in=[ReportingRecord.Status.ACCEPTED])
            .values_list("learner_id", flat=True)
            .distinct()
        )
        for learner_id in learners:
            outbox_enqueue(
                kind="reporting.records_recompute",
                payload={"learner_id": learner_id, "activity_id": reporting.activity_id},
            )
    return reporting
