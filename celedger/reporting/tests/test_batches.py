"""Every file a batch writes, read back and checked against its definition: ACCME's JSON
schemas (our fixed copies), the PARS batch template's columns, the CPE Monitor fields."""

import csv
import datetime
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator
from openpyxl import load_workbook

from celedger.credits.tests.helpers import activity_with, diplomate, learner
from celedger.reporting import batches, services
from celedger.reporting.batches import CPE_MONITOR_FIELDS, PARS_TAB_COLUMNS
from celedger.reporting.models import ActivityReporting, ExportJob, ReportingRecord
from celedger.reporting.records import records_recompute
from celedger.reporting.tests.conftest import claim, job_for
from celedger.reporting.writing import (
    ACTIVITY_SCHEMA,
    LEARNER_SCHEMA,
    schema,
    schema_errors,
)

pytestmark = pytest.mark.django_db


def run(job: ExportJob) -> ExportJob:
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def read(job: ExportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def moc(publisher: Any) -> Any:
    publisher.accme_provider_id = "0001234"
    publisher.save()
    session = activity_with(
        "ama-pra-1", "moc-abim", "moc-abpath", hours="6.50", publisher=publisher
    )
    ActivityReporting.objects.create(
        activity=session.activity,
        accme_activity_id="201234567",
        moc_credit_types={"ABIM": "Practice Assessment"},
    )
    doc = learner("MD", first_name="Ana", last_name="Ruiz", birth_month=3, birth_day=4)
    diplomate(doc, "ABIM", consented=True)
    diplomate(doc, "ABPath", consented=True)
    claim(doc, session, "moc-abim", "6.50")
    claim(doc, session, "moc-abpath", "2.00")
    records_recompute(learner_id=doc.user_id, activity_id=session.activity_id)
    return session


def test_the_shipped_schemas_are_valid_and_uniqueid_is_really_checked() -> None:
    for name in (LEARNER_SCHEMA, ACTIVITY_SCHEMA):
        Draft202012Validator.check_schema(schema(name))
    item = schema(LEARNER_SCHEMA)["properties"]["ACCMELearnerReports"]["properties"][
        "ActivityReports"
    ]["properties"]["ActivityReport"]["items"]
    unique_id = item["properties"]["Activity"]["properties"]["Module"]["properties"][
        "CreditCertificate"
    ]["items"]["properties"]["UniqueID"]
    validator = Draft202012Validator(unique_id)
    assert not list(validator.iter_errors([{"value": "123456", "domain": "ABIM"}]))
    # The shipped draft typed it as an object with "items": none of these were caught.
    assert list(validator.iter_errors([{"value": "123456"}]))
    assert list(validator.iter_errors([{"value": 123456, "domain": "ABIM"}]))
    assert list(validator.iter_errors({"value": "123456", "domain": "ABIM"}))


def test_it_writes_pars_learners_json_valid_against_the_schema(publisher: Any, moc: Any) -> None:
    job = run(job_for(publisher, "pars_moc", format="json"))
    assert job.status == "done", job.error
    document = json.loads(read(job))
    assert schema_errors(document, LEARNER_SCHEMA) == []
    reports = document["ACCMELearnerReports"]["ActivityReports"]["ActivityReport"]
    by_board = {
        r["Activity"]["Module"]["CreditCertificate"][0]["UniqueID"][0]["domain"]: r
        for r in reports
    }
    assert set(by_board) == {"ABIM", "ABPATH"}  # spelled as the schema does
    abim = by_board["ABIM"]["Activity"]["Module"]
    assert abim["ModuleName"]["moduleID"] == "201234567"  # ACCME's activity ID, not ours
    credit = abim["CreditCertificate"][0]["CreditReceived"]
    assert credit == {
        "activityCertification": "Practice Assessment",
        "creditUnit": "Point",
        "numberOfCredits": 6.5,
    }
    assert (
        by_board["ABPATH"]["Activity"]["Module"]["CreditCertificate"][0]["CreditReceived"][
            "activityCertification"
        ]
        == "Lifelong Learning"
    )
    assert ReportingRecord.objects.filter(status="exported", exported_in=job).count() == 2


def test_a_second_batch_has_nothing_left_to_send(publisher: Any, moc: Any) -> None:
    run(job_for(publisher, "pars_moc", format="json"))
    again = run(job_for(publisher, "pars_moc", format="json"))
    assert again.status == "failed"
    assert "No pending records" in again.error


def test_it_writes_the_pars_batch_template_as_tab_text_and_excel(publisher: Any, moc: Any) -> None:
    job = run(job_for(publisher, "pars_moc_tab", format="txt"))
    assert job.status == "done", job.error
    lines = read(job).decode().splitlines()
    rows = [line.split("\t") for line in lines]
    assert len(rows) == 2 and all(len(r) == len(PARS_TAB_COLUMNS) for r in rows)
    abim = dict(zip(PARS_TAB_COLUMNS, next(r for r in rows if r[5] == "ABIM"), strict=True))
    assert abim["ACCME Activity ID"] == "201234567"
    assert (abim["DOB Month"], abim["DOB Day"]) == ("03", "04")
    assert abim["Board ID"] == "123456"
    assert abim["MOC Credit Type"] == "Practice Assessment"
    assert abim["MOC Points"] == "6.50"
    assert abim["Learner Record Action"] == "add"

    ReportingRecord.objects.update(status="pending", exported_in=None, exported_at=None)
    sheet_job = run(job_for(publisher, "pars_moc_tab", format="xlsx"))
    sheet = load_workbook(io.BytesIO(read(sheet_job))).active
    values = list(sheet.values)
    assert list(values[0]) == PARS_TAB_COLUMNS
    assert len(values) == 3


def test_a_pars_correction_is_sent_as_delete_then_add(publisher: Any, moc: Any) -> None:
    run(job_for(publisher, "pars_moc", format="json"))
    claim_ = moc.activity.designations.get(credit_type__code="moc-abpath")
    from celedger.credits.models import Claim

    Claim.objects.filter(designation=claim_).update(hours=Decimal("3.00"))
    record = ReportingRecord.objects.get(board__code="ABPath", is_current=True)
    records_recompute(learner_id=record.learner_id, activity_id=record.activity_id)

    job = run(job_for(publisher, "pars_moc", format="json"))
    document = json.loads(read(job))
    assert schema_errors(document, LEARNER_SCHEMA) == []
    reports = document["ACCMELearnerReports"]["ActivityReports"]["ActivityReport"]
    actions = [
        (
            r["XtensibleInfo"]["LearnerRecordAction"],
            r["Activity"]["Module"]["CreditCertificate"][0]["CreditReceived"]["numberOfCredits"],
        )
        for r in reports
    ]
    assert actions == [("delete", 2.0), ("add", 3.0)]


def test_it_writes_cpe_monitor_rows_in_the_exact_field_order(publisher: Any) -> None:
    session = activity_with("acpe-p", "acpe-t", hours="2.00", publisher=publisher)
    pat = learner("PharmD", nabp_eprofile_id="1234567", birth_month=4, birth_day=9)
    tech = learner("CPhT", nabp_eprofile_id="7654321", birth_month=12, birth_day=1)
    held = learner("PharmD")  # no ePID: held, not in the file
    claim(pat, session, "acpe-p", "2.00")
    claim(tech, session, "acpe-t", "2.00")
    claim(held, session, "acpe-p", "2.00")
    for profile in (pat, tech, held):
        records_recompute(learner_id=profile.user_id, activity_id=session.activity_id)

    job = run(job_for(publisher, "cpe_monitor"))

    assert job.status == "done", job.error
    rows = list(csv.reader(io.StringIO(read(job).decode())))
    assert len(CPE_MONITOR_FIELDS) == 6
    assert all(len(row) == 6 for row in rows)
    on = session.starts_at.astimezone(publisher.zone).strftime("%m%d%Y")
    assert sorted(rows) == [
        ["1234567", "0409", "0123-0000-26-001-L01-P", on, "2.00", "P"],
        ["7654321", "1201", "0123-0000-26-001-L01-T", on, "2.00", "T"],
    ]
    assert job.result["held"] == 1
    assert ReportingRecord.objects.filter(status="held").count() == 1


def test_it_writes_activity_data_valid_against_the_activity_schema(
    publisher: Any, moc: Any
) -> None:
    activity = moc.activity
    activity.status = "published"
    activity.description = "Sepsis in the first hour."
    activity.save()
    reporting = activity.reporting
    reporting.commercial_support = False
    reporting.save()
    nurse_session = activity_with("ancc", "ipce", publisher=publisher, status="published")
    claim(learner("RN"), nurse_session, "ancc")

    job = run(job_for(publisher, "pars_activities", format="json"))
    assert job.status == "done", job.error
    document = json.loads(read(job))
    assert schema_errors(document, ACTIVITY_SCHEMA) == []
    records = document["ACCMEActivities"]["MedicalEducationMetrics"]
    first = next(r for r in records if r["Lom"]["general"]["title"] == activity.title)
    assert {"catalog": "ACCME Activity ID", "entry": "201234567"} in first["Lom"]["general"][
        "identifier"
    ]
    education = first["healthcareMetadata"]["healthcareEducation"]
    assert education["credits"] == {
        "activityCertification": "AMA PRA Category 1",
        "numberOfCredits": 6.5,
    }
    assert education["commercialSupport"] is False
    boards = first["XtensibleInfo"]["MOCRegistrations"]["MOCRegistration"]
    assert {b["boardName"] for b in boards} == {"ABIM", "ABPATH"}
    assert first["ParticipationMetrics"]["participantsByCategory"] == [
        {"category": "physician", "numberOfParticipants": 1}
    ]
    other = next(r for r in records if r is not first)
    assert other["ParticipationMetrics"]["participantsByCategory"] == [
        {"category": "nurse", "numberOfParticipants": 1}
    ]
    assert job.result["incomplete"] == 1  # the nurses' activity: no description, support

    sheet_job = run(job_for(publisher, "pars_activities", format="xlsx"))
    values = list(load_workbook(io.BytesIO(read(sheet_job))).active.values)
    assert len(values) == 3 and values[0][0] == "Provider Activity ID"


def test_marking_only_changes_records_still_pending(publisher: Any, moc: Any) -> None:
    """A record held or marked meanwhile keeps its status; only pending ones join the file."""
    job = job_for(publisher, "pars_moc", format="json")
    job.finished_at = job.created_at
    first, second = ReportingRecord.objects.order_by("pk")
    ReportingRecord.objects.filter(pk=second.pk).update(status="held", hold_reasons=["x"])
    marked = services.records_mark_exported(
        job=job, sent=[(first.pk, first.updated_at), (second.pk, second.updated_at)]
    )
    assert marked == 1
    assert list(ReportingRecord.objects.order_by("pk").values_list("status", "exported_in")) == [
        ("exported", job.pk),
        ("held", None),
    ]


def test_a_record_changed_while_the_file_was_written_stays_pending(
    publisher: Any, moc: Any, monkeypatch: Any
) -> None:
    """With two workers, a recompute can change a pending record in place after the batch
    read it: the file sent the old hours, so the record must not be marked as sent with
    the new ones. It stays pending and goes in the next file; the job says so."""
    first, second = ReportingRecord.objects.order_by("pk")
    original = services.WRITERS[ExportJob.Kind.PARS_MOC]

    def writer_then_a_recompute(job: ExportJob, raw: Any) -> Any:
        output = original(job, raw)
        ReportingRecord.objects.filter(pk=second.pk).update(
            hours=Decimal("0.50"), updated_at=second.updated_at + datetime.timedelta(seconds=1)
        )
        return output

    monkeypatch.setitem(services.WRITERS, ExportJob.Kind.PARS_MOC, writer_then_a_recompute)
    job = run(job_for(publisher, "pars_moc", format="json"))
    assert job.status == "done" and job.result["changed_meanwhile"] == 1
    note = render_to_string("reporting/_result.html", {"job": job, "publisher": publisher})
    assert "1 record changed while this file was being written" in note
    assert "the next file sends them as they are now" in note
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.exported_in_id) == ("exported", job.pk)
    assert (second.status, second.exported_in_id, second.hours) == (
        "pending",
        None,
        Decimal("0.50"),
    )
    monkeypatch.undo()
    again = run(job_for(publisher, "pars_moc", format="json"))
    second.refresh_from_db()
    assert (second.status, second.exported_in_id) == ("exported", again.pk)
    assert "changed_meanwhile" not in again.result


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statements")
def test_a_batch_marks_its_records_in_one_update_however_many(
    publisher: Any, moc: Any, monkeypatch: Any
) -> None:
    # The old code sent one UPDATE per chunk of ids (10,000 on PostgreSQL); with chunks of
    # one, two records were two statements. Now the ids are copied and joined once.
    monkeypatch.setattr(services, "MARK_CHUNK_PG", 1, raising=False)
    monkeypatch.setattr(services, "COPY_CHUNK", 1, raising=False)
    with CaptureQueriesContext(connection) as queries:
        job = run(job_for(publisher, "pars_moc", format="json"))
    updates = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE reporting_")
    ]
    assert len(updates) == 1, updates
    assert ReportingRecord.objects.filter(status="exported", exported_in=job).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_batch_reads_its_records_from_the_unsent_index(publisher: Any, moc: Any) -> None:
    """Pending records come from the partial index of unsent ones, which an exported record
    leaves (so marking it writes no entry there)."""
    job = job_for(publisher, "pars_moc", format="json")
    records = batches.pending_records(job=job, channel="pars")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = records.explain()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'record_unsent'")
        (definition,) = cursor.fetchone()
    assert "record_unsent" in plan, plan
    assert "WHERE (is_current AND ((status)::text = ANY" in definition, definition
    assert "'pending'" in definition and "'held'" in definition
