"""Exports for accreditors and boards, built in the background with progress on the job row.

Each kind streams claims in chunks (`iterator(chunk_size=...)` with the rows it needs
joined or prefetched), writes them to a temporary file, then stores the file through
Django's default storage. Progress is written every PROGRESS_EVERY rows with a single
UPDATE so a page can poll it; any exception marks the job failed with a message.
"""

import datetime
import io
import json
import logging
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from openpyxl import Workbook

from celedger.core.outbox import outbox_enqueue
from celedger.core.spreadsheets import SafeCsvWriter, safe_cell, sheet_append
from celedger.credits.models import Claim
from celedger.profiles.models import BoardCertification, LearnerProfile
from celedger.publishers.models import Publisher
from celedger.reporting.models import ExportJob

logger = logging.getLogger(__name__)

Kind = ExportJob.Kind
PROGRESS_EVERY = 500
CHUNK_SIZE = 1000
# Late thresholds: NABP takes CPE Monitor data up to 60 days after participation;
# boards expect MOC completions within 30 days.
CPE_MONITOR_DAYS = 60
MOC_DAYS = 30
# The missing-NABP learners listed on the page; the count is always complete.
MISSING_LIST_LIMIT = 50
FORMATS = ("csv", "xlsx")
# A job no worker finished in this time was stranded (a worker died, or none runs).
STALE_AFTER = datetime.timedelta(hours=2)
SCHEMA_PATH = Path(__file__).parent / "schemas" / "accme-pars-learner-reports.schema_v0_5.json"


class ExportError(Exception):
    """A failure the coordinator can act on; its message is shown as is."""


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
    if kind != Kind.CREDIT_CLAIMS or file_format not in FORMATS:
        file_format = "json" if kind == Kind.PARS_MOC else "csv"
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


@dataclass
class Output:
    """What a writer produced: the file's name and the notes shown beside the job."""

    filename: str
    result: dict[str, Any] = field(default_factory=dict)


def export_run(*, job_id: int) -> ExportJob | None:
    """Build the job's file; a failure of any kind marks the job failed, never lost."""
    job = ExportJob.objects.select_related("publisher").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    job.status = ExportJob.Status.RUNNING
    try:
        writer = WRITERS[Kind(job.kind)]
        with tempfile.TemporaryFile() as raw:
            output = writer(job, raw)
            raw.seek(0)
            job.file.save(output.filename, File(raw), save=False)
        job.result = output.result
        job.status = ExportJob.Status.DONE
        job.done = job.total
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
    job.save(update_fields=["status", "done", "total", "file", "result", "error", "finished_at"])
    return job


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


def _progress(job: ExportJob, rows: Iterable[Claim]) -> Iterator[Claim]:
    """Pass rows through, writing `done` every PROGRESS_EVERY rows."""
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job.pk).update(done=done)
    job.done = done


def _set_total(job: ExportJob, total: int) -> None:
    job.total = total
    ExportJob.objects.filter(pk=job.pk).update(total=total, done=0)


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
    return (
        Claim.objects.filter(
            status=Claim.Status.ACTIVE,
            session__activity__publisher=job.publisher,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .select_related(
            "learner__profile__profession",
            "session__activity",
            "designation__credit_type__board",
        )
        .order_by("session__starts_at", "learner__profile__last_name", "learner_id", "id")
    )


def _profile(claim: Claim) -> LearnerProfile | None:
    try:
        return claim.learner.profile  # type: ignore[attr-defined, no-any-return]
    except LearnerProfile.DoesNotExist:
        return None


def _name(profile: LearnerProfile | None) -> str:
    return f"{profile.first_name} {profile.last_name}" if profile else ""


def _hours(value: Decimal) -> str:
    return f"{value:.2f}"


class _Text:
    """A UTF-8 text view of a binary temporary file that leaves the file open."""

    def __init__(self, raw: IO[bytes], *, bom: bool = False) -> None:
        self.wrapper = io.TextIOWrapper(
            raw,  # type: ignore[arg-type]
            encoding="utf-8-sig" if bom else "utf-8",
            newline="",
        )

    def __enter__(self) -> io.TextIOWrapper:
        return self.wrapper

    def __exit__(self, *exc: object) -> None:
        self.wrapper.flush()
        self.wrapper.detach()


def _stamp(job: ExportJob) -> str:
    return f"{job.publisher.code}-{job.params['date_from']}-to-{job.params['date_to']}"


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


def credit_claim_rows(job: ExportJob) -> Iterator[list[str | Decimal | float]]:
    """One row per active claim in the range; hours stay Decimal for the XLSX writer."""
    zone = job.publisher.zone
    claims = claims_in_range(job=job)
    _set_total(job, claims.count())
    rows = claims.prefetch_related("learner__profile__credentials").iterator(chunk_size=CHUNK_SIZE)
    for claim in _progress(job, rows):
        profile = _profile(claim)
        license_number = profile.license_number if profile else ""
        if profile and profile.license_is_placeholder:
            license_number = "missing"
        session = claim.session
        yield [
            safe_cell(_name(profile)),
            safe_cell(claim.learner.email),
            safe_cell(
                ", ".join(c.abbreviation for c in profile.credentials.all()) if profile else ""
            ),
            safe_cell(profile.profession.name if profile else ""),
            safe_cell(license_number),
            safe_cell(profile.license_state if profile else ""),
            profile.nabp_eprofile_id if profile else "",
            safe_cell(session.activity.title),
            session.event_id,
            session.starts_at.astimezone(zone).date().isoformat(),
            claim.designation.credit_type.name,
            claim.hours,
            claim.designation.uan,
            claim.attested_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        ]


def _credit_claims(job: ExportJob, raw: IO[bytes]) -> Output:
    file_format = job.params.get("format", "csv")
    hours_at = CLAIMS_HEADER.index("Hours")
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Credit claims")
        sheet_append(sheet, CLAIMS_HEADER)
        for row in credit_claim_rows(job):
            row[hours_at] = float(row[hours_at])
            sheet_append(sheet, row)
        workbook.save(raw)  # type: ignore[arg-type]
    else:
        with _Text(raw, bom=True) as text:
            writer = SafeCsvWriter(text)
            writer.writerow(CLAIMS_HEADER)
            for row in credit_claim_rows(job):
                row[hours_at] = _hours(Decimal(row[hours_at]))
                writer.writerow(row)
    return Output(filename=f"credit-claims-{_stamp(job)}.{file_format}")


# CPE Monitor ---------------------------------------------------------------------------

CPE_MONITOR_HEADER = [
    "NABP e-Profile ID",
    "Birth date (MMDD)",
    "ACPE UAN",
    "Date of participation",
    "Contact hours",
    "First name",
    "Last name",
]


def _cpe_monitor(job: ExportJob, raw: IO[bytes]) -> Output:
    zone = job.publisher.zone
    now = timezone.now()
    late_before = (now - datetime.timedelta(days=CPE_MONITOR_DAYS)).astimezone(zone).date()
    claims = claims_in_range(job=job).filter(designation__credit_type__requires_nabp=True)
    _set_total(job, claims.count())
    missing: dict[int, str] = {}
    missing_rows = late = written = 0
    with _Text(raw) as text:
        writer = SafeCsvWriter(text)
        writer.writerow(CPE_MONITOR_HEADER)
        for claim in _progress(job, claims.iterator(chunk_size=CHUNK_SIZE)):
            profile = _profile(claim)
            if profile is None or not profile.has_nabp_data:
                # Not uploadable without both; counted and named so staff can chase them.
                missing_rows += 1
                if len(missing) < MISSING_LIST_LIMIT:
                    who = _name(profile) or "(no profile)"
                    missing[claim.learner_id] = f"{who} <{claim.learner.email}>"
                continue
            participated = claim.session.starts_at.astimezone(zone).date()
            if participated < late_before:
                late += 1
            writer.writerow(
                [
                    profile.nabp_eprofile_id,
                    profile.birth_mmdd,
                    claim.designation.uan,
                    participated.isoformat(),
                    _hours(claim.hours),
                    safe_cell(profile.first_name),
                    safe_cell(profile.last_name),
                ]
            )
            written += 1
    return Output(
        filename=f"cpe-monitor-{_stamp(job)}.csv",
        result={
            "rows": written,
            "missing_nabp": missing_rows,
            "missing_nabp_learners": sorted(missing.values()),
            "late": late,
        },
    )


# PARS MOC ------------------------------------------------------------------------------


RFC3339_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$"
)
# jsonschema checks "date-time" only with the optional rfc3339-validator package
# installed; without it the format would pass silently, so it is checked here.
FORMAT_CHECKER = FormatChecker()


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339_DATE_TIME.match(value):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@cache
def pars_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def pars_validate(document: dict[str, Any]) -> None:
    """Raise ExportError naming the first problem if `document` breaks ACCME's schema."""
    schema = pars_schema()
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    error = best_match(validator.iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ExportError(
            f"The file does not match ACCME's learner-report schema at {where}: {error.message}"
        )


def _moc_claims(job: ExportJob) -> QuerySet[Claim]:
    return claims_in_range(job=job).filter(designation__credit_type__board__isnull=False)


def _consenting(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Claims of diplomates of the credit type's board who consented, with the board ID."""
    certification = BoardCertification.objects.filter(
        profile__user=OuterRef("learner"),
        board=OuterRef("designation__credit_type__board"),
        consented_at__isnull=False,
    )
    return claims.filter(Exists(certification)).annotate(
        diplomate_id=Subquery(certification.values("diplomate_id")[:1])
    )


def pars_record(*, claim: Claim, publisher: Publisher, zone: ZoneInfo) -> dict[str, Any]:
    """One learner completion (ActivityReport) as ACCME's draft schema v0.5 describes it."""
    profile = _profile(claim)
    activity = claim.session.activity
    credit_type = claim.designation.credit_type
    board = credit_type.board
    assert board is not None and profile is not None
    # Birth year is not collected, so BirthDate (YYYY-MM-DD) is left out, as the schema allows.
    return {
        "ReportingOrganization": publisher.name,
        "Member": {"Name": {"GivenName": profile.first_name, "FamilyName": profile.last_name}},
        "Activity": {
            "ProviderOrganization": publisher.accme_provider_id,
            "Module": {
                "ModuleName": {"value": activity.title, "moduleID": str(activity.pk)},
                "Status": "Completed",
                "CompletedDateTime": claim.attested_at.astimezone(zone).isoformat(
                    timespec="seconds"
                ),
                "CreditCertificate": [
                    {
                        "UniqueID": {
                            "value": claim.diplomate_id,  # type: ignore[attr-defined]
                            "domain": board.code,
                        },
                        "CreditReceived": {
                            "activityCertification": credit_type.short_name,
                            "creditUnit": "Point",
                            "numberOfCredits": float(claim.hours),
                        },
                        "CreditID": f"ccid:{publisher.code}:{claim.pk}",
                    }
                ],
            },
        },
        "XtensibleInfo": {"LearnerRecordAction": "add"},
    }


def _pars_moc(job: ExportJob, raw: IO[bytes]) -> Output:
    publisher = job.publisher
    if not publisher.accme_provider_id.strip():
        raise ExportError(
            "PARS needs the publisher's ACCME / JA provider ID: an admin can set it in Settings."
        )
    zone = publisher.zone
    now = timezone.now()
    moc = _moc_claims(job)
    claims = _consenting(moc)
    total = claims.count()
    _set_total(job, total)
    not_consented = moc.count() - total
    if total == 0:
        raise ExportError(
            "No MOC completions to report in these dates (claims of board credit types by "
            "diplomates who consented to reporting)."
        )
    late_before = now - datetime.timedelta(days=MOC_DAYS)
    records = []
    late = 0
    for claim in _progress(job, claims.iterator(chunk_size=CHUNK_SIZE)):
        if claim.attested_at < late_before:
            late += 1
        records.append(pars_record(claim=claim, publisher=publisher, zone=zone))
    document = {
        "ACCMELearnerReports": {
            "ActivityReports": {
                "DateTimeCreated": now.astimezone(zone).isoformat(timespec="seconds"),
                "ActivityReport": records,
            }
        }
    }
    pars_validate(document)
    with _Text(raw) as text:
        json.dump(document, text, ensure_ascii=False, indent=2)
    return Output(
        filename=f"pars-moc-{_stamp(job)}.json",
        result={"records": len(records), "late": late, "not_consented": not_consented},
    )


WRITERS: dict[Kind, Callable[[ExportJob, IO[bytes]], Output]] = {
    Kind.CREDIT_CLAIMS: _credit_claims,
    Kind.CPE_MONITOR: _cpe_monitor,
    Kind.PARS_MOC: _pars_moc,
}
