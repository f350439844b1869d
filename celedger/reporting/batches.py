"""Files that send reporting records (and activity data) to ACCME and NABP.

Every writer streams plain values (`values_list(...).iterator(chunk_size)`), never model
objects, so memory stays flat however many records go out. A batch returns the ids of
the records it wrote; `services.export_run` marks them exported in the same transaction
that stores the file. Layouts and their sources: docs/reporting.md.
"""

import csv
import datetime
import functools
import importlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.apps import apps
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from jsonschema import Draft202012Validator

from celedger.activities.models import Activity, CreditDesignation
from celedger.core.spreadsheets import XlsxWriter
from celedger.credits.models import Claim
from celedger.profiles.models import BoardCertification
from celedger.reporting.models import (
    ActivityReporting,
    ExportJob,
    ReportingRecord,
    board_schema_code,
)
from celedger.reporting.writing import (
    ACTIVITY_SCHEMA,
    CHUNK_SIZE,
    FORMAT_CHECKER,
    LEARNER_SCHEMA,
    ExportError,
    Output,
    SentRecords,
    Text,
    hours_text,
    progress,
    safe_cell,
    schema,
    schema_check,
    schema_validate,
    set_total,
    stamp,
)

Record = ReportingRecord
Channel = ReportingRecord.Channel
Status = ReportingRecord.Status
Action = ReportingRecord.Action


def _range(job: ExportJob) -> tuple[datetime.date, datetime.date]:
    return (
        datetime.date.fromisoformat(job.params["date_from"]),
        datetime.date.fromisoformat(job.params["date_to"]),
    )


def pending_records(*, job: ExportJob, channel: str) -> QuerySet[ReportingRecord]:
    """The publisher's current, pending records of the channel whose date is in range."""
    date_from, date_to = _range(job)
    return Record.objects.filter(
        publisher=job.publisher,
        channel=channel,
        is_current=True,
        status=Status.PENDING,
        participated_on__gte=date_from,
        participated_on__lte=date_to,
    ).order_by("participated_on", "id")


def _held_count(job: ExportJob, channel: str) -> int:
    date_from, date_to = _range(job)
    return Record.objects.filter(
        publisher=job.publisher,
        channel=channel,
        is_current=True,
        status=Status.HELD,
        participated_on__gte=date_from,
        participated_on__lte=date_to,
    ).count()


# CPE Monitor ---------------------------------------------------------------------------

# ACPE's CPE Monitor technical specification could not be read past its table of contents
# (docs/reporting.md): the field set and order are the issue's, exactly these six.
CPE_MONITOR_FIELDS = [
    "NABP e-Profile ID",
    "Birth date (MMDD)",
    "UAN",
    "Date of participation (MMDDYYYY)",
    "Contact hours",
    "Participant type (P/T)",
]
CPE_MONITOR_VALUES = (
    "pk",
    "learner__profile__nabp_eprofile_id",
    "learner__profile__birth_month",
    "learner__profile__birth_day",
    "uan",
    "participated_on",
    "hours",
    "updated_at",
)


def cpe_monitor_row(
    epid: str, month: int, day: int, uan: str, on: datetime.date, hours: Decimal
) -> list[str]:
    return [
        epid,
        f"{month:02d}{day:02d}",
        uan,
        on.strftime("%m%d%Y"),
        hours_text(hours),
        uan[-1:].upper(),
    ]


def cpe_monitor_batch(job: ExportJob, raw: IO[bytes]) -> Output:
    """One row per learner and UAN for every pending record; no header row."""
    records = pending_records(job=job, channel=Channel.CPE_MONITOR)
    set_total(job, records.count())
    sent = SentRecords()
    late = 0
    today = timezone.now().astimezone(job.publisher.zone).date()
    with Text(raw) as text:
        writer = csv.writer(text)
        values = records.values_list(*CPE_MONITOR_VALUES).iterator(chunk_size=CHUNK_SIZE)
        for pk, epid, month, day, uan, on, hours, updated_at in progress(job, values):
            writer.writerow(cpe_monitor_row(epid, month, day, uan, on, hours))
            sent.add(pk, updated_at)
            if today > on + datetime.timedelta(days=60):
                late += 1
    if not sent:
        raise ExportError(_nothing_message(job, Channel.CPE_MONITOR))
    return Output(
        filename=f"cpe-monitor-{stamp(job)}.csv",
        result={"rows": len(sent), "held": _held_count(job, Channel.CPE_MONITOR), "late": late},
        sent=sent,
    )


def _nothing_message(job: ExportJob, channel: str) -> str:
    held = _held_count(job, channel)
    message = "No pending records to send in these dates."
    if held:
        message += (
            f" {held} record{'s are' if held != 1 else ' is'} held: see the reporting "
            "dashboard for what fixes them."
        )
    return message


# PARS learner completions --------------------------------------------------------------


def _pars_values(records: QuerySet[ReportingRecord]) -> Iterator[Any]:
    diplomate = BoardCertification.objects.filter(
        profile__user=OuterRef("learner"), board=OuterRef("board")
    ).values("diplomate_id")[:1]
    rows = (
        records.annotate(diplomate_id=Subquery(diplomate))
        .values(
            "pk",
            "action",
            "hours",
            "participated_on",
            "board__code",
            "learner__profile__first_name",
            "learner__profile__last_name",
            "learner__profile__birth_month",
            "learner__profile__birth_day",
            "activity__title",
            "activity__reporting__accme_activity_id",
            "activity__reporting__moc_credit_types",
            "replaces__hours",
            "replaces__participated_on",
            "diplomate_id",
            "updated_at",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    yield from rows


def _sent_versions(row: dict[str, Any]) -> list[tuple[str, Decimal, datetime.date]]:
    """What one record sends: an add, a delete, or (a correction) delete old + add new."""
    if row["action"] == Action.DELETE:
        return [("delete", row["hours"], row["participated_on"])]
    if row["action"] == Action.CORRECT and row["replaces__hours"] is not None:
        return [
            ("delete", row["replaces__hours"], row["replaces__participated_on"]),
            ("add", row["hours"], row["participated_on"]),
        ]
    return [("add", row["hours"], row["participated_on"])]


def _certification(row: dict[str, Any]) -> str:
    types = row["activity__reporting__moc_credit_types"]
    board = row["board__code"]
    if isinstance(types, dict) and all(type(v) is str for v in types.values()):
        # The usual setting ({"ABIM": "Medical Knowledge"}): its items are the cache key,
        # cheaper than JSON text for every record.
        return _moc_credit_type_of(tuple(sorted(types.items())), board)
    return _moc_credit_type(json.dumps(types, sort_keys=True), board)


@functools.lru_cache(maxsize=1024)
def _moc_credit_type_of(types: tuple[tuple[str, str], ...], board_code: str) -> str:
    return ActivityReporting(moc_credit_types=dict(types)).moc_credit_type(board_code)


@functools.lru_cache(maxsize=1024)
def _moc_credit_type(types_json: str, board_code: str) -> str:
    # Once per activity setting and board, not once per record (a model object each).
    reporting = ActivityReporting(moc_credit_types=json.loads(types_json))
    return reporting.moc_credit_type(board_code)


def _completed_at(on: datetime.date, zone: Any) -> str:
    # PARS takes a date-time; the completion day at noon, local time, keeps the day right.
    return datetime.datetime.combine(on, datetime.time(12), tzinfo=zone).isoformat()


def pars_learner_report(
    row: dict[str, Any], *, action: str, hours: Decimal, on: datetime.date, job: ExportJob
) -> dict[str, Any]:
    """One ActivityReport (learner completion) per ACCME's schema v0.5 (our fixed copy)."""
    publisher = job.publisher
    board = board_schema_code(row["board__code"])
    return {
        "ReportingOrganization": publisher.name,
        "Member": {
            "Name": {
                "GivenName": row["learner__profile__first_name"],
                "FamilyName": row["learner__profile__last_name"],
            }
            # PersonalInfo.BirthDate wants YYYY-MM-DD; we hold only month and day, which
            # the tab-delimited template carries. The schema has no month/day field.
        },
        "Activity": {
            "ProviderOrganization": publisher.accme_provider_id,
            "Module": {
                "ModuleName": {
                    "value": row["activity__title"],
                    "moduleID": row["activity__reporting__accme_activity_id"] or "",
                },
                "Status": "Completed",
                "CompletedDateTime": _completed_at(on, publisher.zone),
                "CreditCertificate": [
                    {
                        "UniqueID": [{"value": row["diplomate_id"] or "", "domain": board}],
                        "CreditReceived": {
                            "activityCertification": _certification(row),
                            "creditUnit": "Point",
                            "numberOfCredits": float(hours),
                        },
                        "CreditID": f"ccid:{publisher.code}:{row['pk']}",
                    }
                ],
            },
        },
        "XtensibleInfo": {"LearnerRecordAction": action},
    }


# One encoder for every record (json.dumps with any option builds a new one each call).
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _report_schema() -> dict[str, Any]:
    """The schema of one ActivityReport: the item schema of the learner-report schema."""
    root = schema(LEARNER_SCHEMA)
    item: dict[str, Any] = root["properties"]["ACCMELearnerReports"]["properties"][
        "ActivityReports"
    ]["properties"]["ActivityReport"]["items"]
    return item


@functools.cache
def _report_check() -> Callable[[Any], bool]:
    return schema_check(_report_schema())


def _require_provider_id(job: ExportJob) -> None:
    if not job.publisher.accme_provider_id.strip():
        raise ExportError(
            "PARS needs the publisher's ACCME / JA provider ID: an admin can set it in Settings."
        )


def pars_learners_json(job: ExportJob, raw: IO[bytes]) -> Output:
    """ACCMELearnerReports JSON, streamed record by record; each record is validated
    against the schema's ActivityReport and the envelope against the whole schema."""
    _require_provider_id(job)
    records = pending_records(job=job, channel=Channel.PARS)
    set_total(job, records.count())
    # Every record is checked; jsonschema runs only to explain one that fails.
    check = _report_check()
    sent = SentRecords()
    written = 0
    now = timezone.now().astimezone(job.publisher.zone).isoformat(timespec="seconds")
    first: dict[str, Any] | None = None
    with Text(raw) as text:
        text.write('{"ACCMELearnerReports": {"ActivityReports": {"DateTimeCreated": ')
        text.write(json.dumps(now) + ', "ActivityReport": [\n')
        for row in progress(job, _pars_values(records)):
            for action, hours, on in _sent_versions(row):
                report = pars_learner_report(row, action=action, hours=hours, on=on, job=job)
                if not check(report):
                    validator = Draft202012Validator(
                        _report_schema(), format_checker=FORMAT_CHECKER
                    )
                    errors = sorted(validator.iter_errors(report), key=lambda e: e.path)
                    if errors:  # jsonschema has the last word
                        where = "/".join(str(p) for p in errors[0].absolute_path)
                        raise ExportError(
                            f"Record {row['pk']} does not match ACCME's learner-report "
                            f"schema at {where or '(top level)'}: {errors[0].message}"
                        )
                text.write((",\n" if written else "") + _encode(report))
                first = first or report
                written += 1
            sent.add(row["pk"], row["updated_at"])
        text.write("\n]}}}\n")
    if first is None:
        raise ExportError(_nothing_message(job, Channel.PARS))
    # The envelope, checked once with one record (the records were checked one by one).
    schema_validate(
        {
            "ACCMELearnerReports": {
                "ActivityReports": {"DateTimeCreated": now, "ActivityReport": [first]}
            }
        },
        LEARNER_SCHEMA,
        "learner-report",
    )
    return Output(
        filename=f"pars-learners-{stamp(job)}.json",
        result=_pars_result(job, sent, written),
        sent=sent,
    )


def _pars_result(job: ExportJob, sent: SentRecords, written: int) -> dict[str, Any]:
    return {"records": len(sent), "rows": written, "held": _held_count(job, Channel.PARS)}


# ACCME's learner batch template (Excel, saved as tab-delimited text). The template itself
# could not be read (docs/reporting.md): the columns are the data ACCME requires for MOC
# reporting (accme.org FAQ), in this order, plus the add/delete action.
PARS_TAB_COLUMNS = [
    "ACCME Activity ID",
    "Learner First Name",
    "Learner Last Name",
    "DOB Month",
    "DOB Day",
    "Board",
    "Board ID",
    "MOC Credit Type",
    "MOC Points",
    "Completion Date",
    "Learner Record Action",
]


def pars_tab_row(
    row: dict[str, Any], *, action: str, hours: Decimal, on: datetime.date
) -> list[str]:
    return [
        row["activity__reporting__accme_activity_id"] or "",
        safe_cell(row["learner__profile__first_name"]),
        safe_cell(row["learner__profile__last_name"]),
        f"{row['learner__profile__birth_month']:02d}",
        f"{row['learner__profile__birth_day']:02d}",
        board_schema_code(row["board__code"]),
        safe_cell(row["diplomate_id"] or ""),
        _certification(row),
        hours_text(hours),
        on.strftime("%m/%d/%Y"),
        action,
    ]


def pars_learners_tab(job: ExportJob, raw: IO[bytes]) -> Output:
    """The batch template: tab-delimited text without header (ACCME asks to delete it),
    or the Excel sheet with the header row."""
    _require_provider_id(job)
    records = pending_records(job=job, channel=Channel.PARS)
    set_total(job, records.count())
    excel = job.params.get("format") == "xlsx"
    sent = SentRecords()
    written = 0

    def rows() -> Iterator[list[str]]:
        nonlocal written
        for row in progress(job, _pars_values(records)):
            for action, hours, on in _sent_versions(row):
                written += 1
                yield pars_tab_row(row, action=action, hours=hours, on=on)
            sent.add(row["pk"], row["updated_at"])

    if excel:
        with XlsxWriter(raw, "Learners") as sheet:
            sheet.append(PARS_TAB_COLUMNS)
            for line in rows():
                sheet.append(line)
    else:
        with Text(raw) as text:
            writer = csv.writer(text, delimiter="\t", lineterminator="\r\n")
            for line in rows():
                writer.writerow([cell.replace("\t", " ") for cell in line])
    if not sent:
        raise ExportError(_nothing_message(job, Channel.PARS))
    return Output(
        filename=f"pars-learners-{stamp(job)}.{'xlsx' if excel else 'txt'}",
        result=_pars_result(job, sent, written),
        sent=sent,
    )


# PARS / JA-PARS activity data ----------------------------------------------------------

ACCME_FORMATS = {
    "live": "Live Course",
    "rss": "Regularly Scheduled Series",
    "internet_live": "Internet Live Course",
    "enduring": "Enduring Material",
    "journal": "Journal-based CME",
    "other": "Other",
}
# Our credit type codes -> the schema's activityCertification values.
ACTIVITY_CERTIFICATIONS = {
    "ama-pra-1": "AMA PRA Category 1",
    "ipce": "IPCE",
    "ancc": "Nursing",
    "acpe-p": "Pharmacy",
    "acpe-t": "Pharmacy",
    "aapa-1": "AAPA Category 1",
    "apa": "Psychologist",
    "cope": "Optometrist",
    "aswb": "Social Worker",
    "ada-cerp": "Dentist",
    "cdr": "Dietetic CPEU",
    "boc": "Athletic Training CEU",
}
# Profession codes -> the schema's participant categories (everything else: "other").
PARTICIPANT_CATEGORIES = {
    "physician": "physician",
    "nurse": "nurse",
    "pharmacist": "pharmacist",
    "pharmacy-technician": "pharmacy technician",
    "physician-assistant": "physician assistant",
    "psychologist": "psychologist",
    "optometrist": "optometrist",
    "social-worker": "social worker",
    "dentist": "dentist",
    "dietitian": "registered dietitians",
    "athletic-trainer": "athletic trainers",
}
AUDIENCE = {
    "physician": "Physician",
    "nurse": "Nurse",
    "pharmacist": "Pharmacist",
    "pharmacy-technician": "Pharmacy Technician",
    "physician-assistant": "Physician Assistant",
    "psychologist": "Psychologist",
    "optometrist": "Optometrist",
    "social-worker": "Social Worker",
    "dentist": "Dentist",
    "dietitian": "Registered Dietitian",
    "athletic-trainer": "Athletic Trainer",
}
DESCRIPTION_MAX = 2500


def commercial_support_for(activity_ids: list[int]) -> dict[int, list[Any]]:
    """Supporters per activity from the integrity app (TEAM.md interface 4) once it is
    installed; until then none are known and the activity's own yes/no answer counts."""
    if not apps.is_installed("celedger.integrity"):
        return {}
    selectors = importlib.import_module("celedger.integrity.selectors")
    found: dict[int, list[Any]] = selectors.commercial_support_for_activities(
        activity_ids=activity_ids
    )
    return found


def activities_in_range(*, job: ExportJob) -> QuerySet[Activity]:
    date_from, date_to = _range(job)
    return (
        Activity.objects.filter(
            publisher=job.publisher, starts_on__lte=date_to, ends_on__gte=date_from
        )
        .exclude(status=Activity.Status.DRAFT)
        .select_related("reporting")
        .prefetch_related("designations__credit_type__board", "target_professions")
        .order_by("starts_on", "pk")
    )


def learner_counts(activity_ids: list[int]) -> dict[int, Counter[str]]:
    """Distinct learners with active credit per activity and participant category: counted
    by the database (a learner has one profession), not a set of every (activity, learner)
    pair in memory."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    rows = (
        Claim.objects.filter(session__activity_id__in=activity_ids, status=Claim.Status.ACTIVE)
        .order_by()
        .values_list("session__activity_id", "learner__profile__profession__code")
        .annotate(learners=Count("learner_id", distinct=True))
    )
    for activity_id, profession, learners in rows:
        counts[activity_id][PARTICIPANT_CATEGORIES.get(profession or "", "other")] += learners
    return counts


def _reporting(activity: Activity) -> ActivityReporting:
    try:
        return activity.reporting  # type: ignore[attr-defined, no-any-return]
    except ActivityReporting.DoesNotExist:
        return ActivityReporting(activity=activity)


def _primary_designation(designations: list[CreditDesignation]) -> CreditDesignation | None:
    """The schema holds one credit per activity: AMA PRA first, then IPCE, then any."""
    by_code = {d.credit_type.code: d for d in designations}
    for code in ("ama-pra-1", "ipce"):
        if code in by_code:
            return by_code[code]
    mapped = [d for d in designations if d.credit_type.code in ACTIVITY_CERTIFICATIONS]
    return mapped[0] if mapped else None


def activity_missing(activity: Activity, supporters: list[Any] | None = None) -> list[str]:
    """What the annual report still lacks for this activity, in words for the coordinator."""
    reporting = _reporting(activity)
    designations = list(activity.designations.all())
    missing = []
    if not activity.description.strip():
        missing.append("a description")
    if _primary_designation(designations) is None:
        missing.append("a credit designation PARS knows (AMA PRA, IPCE, ANCC, ACPE …)")
    if reporting.commercial_support is None and not supporters:
        missing.append("whether it received commercial support")
    if reporting.providership == ActivityReporting.Providership.JOINT and not (
        reporting.joint_provider_list
    ):
        missing.append("the joint provider's name")
    if any(d.credit_type.board_id for d in designations) and not reporting.accme_activity_id:
        missing.append("the ACCME activity ID (needed to report MOC learners)")
    return missing


def _day(on: datetime.date) -> str:
    return f"{on.isoformat()}T00:00:00Z"


def pars_activity(
    activity: Activity, *, supporters: list[Any], counts: Counter[str]
) -> dict[str, Any]:
    """One MedicalEducationMetrics record per ACCME's activity schema v0.1.2 (fixed copy)."""
    reporting = _reporting(activity)
    designations = list(activity.designations.all())
    primary = _primary_designation(designations)
    monetary = [s for s in supporters if s.kind == "monetary"]
    in_kind = [s for s in supporters if s.kind == "in_kind"]
    identifiers = [{"catalog": "Provider Activity ID", "entry": str(activity.pk)}]
    if reporting.accme_activity_id:
        identifiers.append({"catalog": "ACCME Activity ID", "entry": reporting.accme_activity_id})
    education: dict[str, Any] = {
        "credits": {
            "activityCertification": ACTIVITY_CERTIFICATIONS[primary.credit_type.code]
            if primary
            else "AMA PRA Category 1",
            "numberOfCredits": float(primary.max_hours) if primary else 0.25,
        },
        "startDateTime": _day(activity.starts_on),
        "endDateTime": _day(activity.ends_on),
        "activitySponsorship": reporting.providership,
        "activityFormat": ACCME_FORMATS.get(activity.format, "Other"),
        "commercialSupport": bool(supporters) or bool(reporting.commercial_support),
    }
    if reporting.joint_provider_list:
        education["credits"]["nonAccreditedProvider"] = reporting.joint_provider_list
    audience = [AUDIENCE[p.code] for p in activity.target_professions.all() if p.code in AUDIENCE]
    if audience:
        education["targetAudience"] = {"profession": audience}
    extensible: dict[str, Any] = {
        "isInterprofessional": activity.is_ipce,
        "activityRecordAction": "Add",
    }
    boards = [d for d in designations if d.credit_type.board_id]
    if boards:
        extensible["MOCRegistrations"] = {
            "MOCRegistration": [
                {
                    "boardName": board_schema_code(d.credit_type.board.code),  # type: ignore[union-attr]
                    "mocPoints": float(d.max_hours),
                    "MOCCreditType": [
                        reporting.moc_credit_type(d.credit_type.board.code)  # type: ignore[union-attr]
                    ],
                }
                for d in boards
            ]
        }
    for d in designations:
        if d.credit_type.code == "acpe-p":
            extensible["UANPharmacy"] = d.uan
        elif d.credit_type.code == "acpe-t":
            extensible["UANPharmacyTech"] = d.uan
    if in_kind:
        extensible["InKindSupports"] = {"InKindSupport": [{"source": s.name} for s in in_kind]}
    return {
        "ReportDescription": {
            "ReportingStartDate": activity.starts_on.isoformat(),
            "ReportingEndDate": activity.ends_on.isoformat(),
        },
        "ActivityDescription": {
            "commercialSupportAmount": [
                {
                    "currency": "USD",
                    "supportSource": s.name,
                    "value": int(s.amount or 0),
                }
                for s in monetary
            ]
        },
        "Lom": {
            "general": {
                "identifier": identifiers,
                "title": activity.title,
                "description": activity.description[:DESCRIPTION_MAX],
            }
        },
        "healthcareMetadata": {"healthcareEducation": education},
        "ParticipationMetrics": {
            "participantsByCategory": [
                {"category": category, "numberOfParticipants": number}
                for category, number in sorted(counts.items())
            ]
        },
        "XtensibleInfo": extensible,
    }


ACTIVITY_COLUMNS = [
    "Provider Activity ID",
    "ACCME Activity ID",
    "Activity Title",
    "Activity Type",
    "Start Date",
    "End Date",
    "Location",
    "Providership",
    "Joint Providers",
    "Credits (type: amount)",
    "Commercial Support",
    "Monetary Supporters (name: amount)",
    "In-kind Supporters",
    "Physician Learners",
    "Other Learners",
    "Learners by Profession (JA-PARS)",
    "Missing for the annual report",
]


def activity_row(
    activity: Activity, *, supporters: list[Any], counts: Counter[str]
) -> list[str | int]:
    reporting = _reporting(activity)
    designations = list(activity.designations.all())
    physicians = counts.get("physician", 0)
    return [
        activity.pk,
        reporting.accme_activity_id,
        safe_cell(activity.title),
        ACCME_FORMATS.get(activity.format, "Other"),
        activity.starts_on.strftime("%m/%d/%Y"),
        activity.ends_on.strftime("%m/%d/%Y"),
        safe_cell(activity.location),
        reporting.get_providership_display(),
        safe_cell("; ".join(reporting.joint_provider_list)),
        "; ".join(f"{d.credit_type.short_name}: {hours_text(d.max_hours)}" for d in designations),
        "Yes" if supporters or reporting.commercial_support else "No",
        safe_cell(
            "; ".join(
                f"{s.name}: {int(s.amount or 0)}" for s in supporters if s.kind == "monetary"
            )
        ),
        safe_cell("; ".join(s.name for s in supporters if s.kind == "in_kind")),
        physicians,
        sum(counts.values()) - physicians,
        "; ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
        "; ".join(activity_missing(activity, supporters)),
    ]


def pars_activities_file(job: ExportJob, raw: IO[bytes]) -> Output:
    """Activity data for the annual report: JSON (validated) or the Excel sheet."""
    activities = list(activities_in_range(job=job))
    set_total(job, len(activities))
    if not activities:
        raise ExportError("No published activities in these dates.")
    ids = [a.pk for a in activities]
    support = commercial_support_for(ids)
    counts = learner_counts(ids)
    incomplete = sum(1 for a in activities if activity_missing(a, support.get(a.pk)))
    if job.params.get("format") == "xlsx":
        with XlsxWriter(raw, "Activities") as sheet:
            sheet.append(ACTIVITY_COLUMNS)
            for activity in progress(job, activities):
                sheet.append(
                    activity_row(
                        activity,
                        supporters=support.get(activity.pk, []),
                        counts=counts[activity.pk],
                    )
                )
        extension = "xlsx"
    else:
        document = {
            "ACCMEActivities": {
                "MedicalEducationMetrics": [
                    pars_activity(a, supporters=support.get(a.pk, []), counts=counts[a.pk])
                    for a in progress(job, activities)
                ]
            }
        }
        schema_validate(document, ACTIVITY_SCHEMA, "activity")
        with Text(raw) as text:
            json.dump(document, text, ensure_ascii=False, indent=2)
        extension = "json"
    return Output(
        filename=f"pars-activities-{stamp(job)}.{extension}",
        result={"activities": len(activities), "incomplete": incomplete},
    )
