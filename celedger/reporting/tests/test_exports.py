"""What each export writes, read back from the stored file."""

import csv
import datetime
import io
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.utils import timezone

from celedger.activities.tests.factories import SessionFactory
from celedger.credits.models import Claim
from celedger.credits.tests.helpers import activity_with, diplomate, learner
from celedger.reporting import services, writing
from celedger.reporting.models import ExportJob
from celedger.reporting.tests.conftest import claim, job_for
from celedger.reporting.writing import LEARNER_SCHEMA

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def run(job: ExportJob) -> ExportJob:
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def csv_rows(job: ExportJob) -> list[dict[str, str]]:
    with job.file.open("rb") as f:
        text = f.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_it_writes_one_csv_row_per_active_claim_in_the_range(publisher: Any) -> None:
    session = activity_with("ama-pra-1", "acpe-p", publisher=publisher, title="=HYPERLINK(evil)")
    # 03:00 UTC on 2 March is the evening of 1 March in Chicago: the publisher's day counts.
    session.starts_at = datetime.datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    session.ends_at = session.starts_at + datetime.timedelta(hours=1)
    session.save()
    doctor = learner("MD", first_name="Ana", last_name="Łukasiewicz", license_number="0000")
    pharmacist = learner(
        "PharmD",
        first_name="@Bo",
        last_name="Chen",
        nabp_eprofile_id="1234567",
        birth_month=4,
        birth_day=9,
        license_state="IL",
    )
    claim(doctor, session, "ama-pra-1", "1.25", attested_at=session.ends_at)
    claim(pharmacist, session, "acpe-p", "1.50", attested_at=session.ends_at)
    revoked = claim(pharmacist, session, "ama-pra-1")
    Claim.objects.filter(pk=revoked.pk).update(status="revoked", revoked_at=timezone.now())
    elsewhere = activity_with("ama-pra-1")  # another publisher's claim never appears
    claim(doctor, elsewhere, "ama-pra-1")

    job = run(job_for(publisher, "credit_claims", date_from="2026-03-01", date_to="2026-03-01"))

    assert job.status == "done", job.error
    assert (job.done, job.total) == (2, 2)
    assert job.file.name.endswith(".csv")
    by_email = {r["Email"]: r for r in csv_rows(job)}
    assert len(by_email) == 2
    first, second = by_email[doctor.user.email], by_email[pharmacist.user.email]
    assert first["Learner"] == "Ana Łukasiewicz"
    assert first["Email"] == doctor.user.email
    assert first["Credentials"] == "MD"
    assert first["Profession"] == "Physician"
    assert first["License number"] == "missing"
    assert first["Activity"] == "'=HYPERLINK(evil)"
    assert first["Event ID"] == session.event_id
    assert first["Session date"] == "2026-03-01"
    assert first["Credit type"] == "AMA PRA Category 1 Credit™"
    assert first["Hours"] == "1.25"
    assert first["ACPE UAN"] == ""
    assert first["Claimed at"] == "2026-03-01 22:00"
    assert second["Learner"] == "'@Bo Chen"
    assert second["NABP e-Profile ID"] == "1234567"
    assert second["License state"] == "IL"
    assert second["ACPE UAN"] == "0123-0000-26-001-L01-P"
    assert second["Credit type"].startswith("ACPE")

    next_day = run(
        job_for(publisher, "credit_claims", date_from="2026-03-02", date_to="2026-03-02")
    )
    assert next_day.status == "done"
    assert csv_rows(next_day) == []


def test_it_writes_the_claims_as_xlsx(publisher: Any) -> None:
    session = activity_with("ama-pra-1", publisher=publisher, title="-Sepsis")
    doctor = learner("MD", first_name="Ana", last_name="Ruiz")
    claim(doctor, session, "ama-pra-1", "0.75")

    job = run(job_for(publisher, "credit_claims", format="xlsx"))

    assert job.status == "done", job.error
    assert job.file.name.endswith(".xlsx")
    with job.file.open("rb") as f:
        sheet = openpyxl.load_workbook(io.BytesIO(f.read())).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == services.CLAIMS_HEADER
    [row] = rows
    values = dict(zip(header, row, strict=True))
    assert values["Learner"] == "Ana Ruiz"
    assert values["Activity"] == "'-Sepsis"
    assert values["Hours"] == 0.75
    assert values["License number"] == doctor.license_number


def test_it_marks_an_export_failed_on_an_unexpected_error(
    publisher: Any, monkeypatch: Any
) -> None:
    def explode(job: ExportJob, raw: Any) -> services.Output:
        raise RuntimeError("disk full")

    monkeypatch.setitem(services.WRITERS, ExportJob.Kind.CREDIT_CLAIMS, explode)
    job = run(job_for(publisher, "credit_claims"))

    assert job.status == "failed"
    assert "RuntimeError: disk full" in job.error
    assert job.finished_at is not None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
@pytest.mark.parametrize("fails", [False, True])
def test_an_export_reads_without_jit_and_gives_the_setting_back(
    publisher: Any, monkeypatch: Any, fails: bool
) -> None:
    # JIT compiled the PARS read's plan for about 3 s of a 2 s query (docs/performance.md).
    def show_jit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            return str(cursor.fetchone()[0])

    seen = []

    def writer(job: ExportJob, raw: Any) -> services.Output:
        seen.append(show_jit())
        if fails:
            raise RuntimeError("disk full")
        raw.write(b"x")
        return services.Output(filename="x.csv")

    before = show_jit()
    monkeypatch.setitem(services.WRITERS, ExportJob.Kind.CREDIT_CLAIMS, writer)
    job = run(job_for(publisher, "credit_claims"))

    assert job.status == ("failed" if fails else "done")
    assert seen == ["off"]
    assert show_jit() == before


def test_it_reports_progress_every_n_rows(publisher: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(writing, "PROGRESS_EVERY", 2)
    job = job_for(publisher, "credit_claims")
    seen = []
    for _ in writing.progress(job, range(5)):
        seen.append(ExportJob.objects.get(pk=job.pk).done)
    # Read before each row is handed out: updated after rows 2 and 4.
    assert seen == [0, 0, 2, 2, 4]
    assert job.done == 5


def test_it_counts_the_total_before_writing(publisher: Any, monkeypatch: Any) -> None:
    session = activity_with("ama-pra-1", publisher=publisher)
    for _ in range(3):
        claim(learner("MD"), session, "ama-pra-1")
    job = job_for(publisher, "credit_claims")
    totals = []
    real = services.progress

    def watch(job: ExportJob, rows: Any) -> Any:
        totals.append(ExportJob.objects.get(pk=job.pk).total)
        return real(job, rows)

    monkeypatch.setattr(services, "progress", watch)
    job = run(job)
    assert totals == [3]
    assert (job.done, job.total, job.status) == (3, 3, "done")


def test_it_reads_thousands_of_claims_in_a_handful_of_queries(
    publisher: Any, django_assert_max_num_queries: Any
) -> None:
    activity = activity_with("ama-pra-1", "acpe-p", "moc-abim", publisher=publisher).activity
    sessions = [SessionFactory(activity=activity) for _ in range(40)]
    designations = {d.credit_type.code: d for d in activity.designations.all()}
    profiles = []
    for n in range(50):
        profile = learner("PharmD", nabp_eprofile_id=f"{n:07d}", birth_month=1, birth_day=2)
        diplomate(profile, "ABIM", consented=True)
        profiles.append(profile)
    now = timezone.now()
    Claim.objects.bulk_create(
        Claim(
            learner=p.user,
            session=s,
            designation=designations[code],
            hours="1.00",
            max_hours="1.00",
            participated_on=s.starts_at.date(),
            attested_at=now,
        )
        for p in profiles
        for s in sessions
        for code in ("ama-pra-1", "acpe-p", "moc-abim")
    )
    assert Claim.objects.count() == 6000
    # 6,000 claims for the claims file, 2,000 each for CPE Monitor and PARS. Per export:
    # the job (1), running (1), total (1; PARS 2), the claims (1 query; chunks of 1,000 are
    # fetched from one cursor) with credentials prefetched per chunk (claims file: 6),
    # progress every 500 rows (12 / 4 / 4), file name check and final save (2).
    # Measured on SQLite: 25 / 11 / 12.
    # (CPE Monitor and PARS batches send reporting records: test_batches.py.)
    expected = {"credit_claims": (6000, 28)}
    for kind, (total, bound) in expected.items():
        job = job_for(publisher, kind)
        with django_assert_max_num_queries(bound):
            run(job)
        assert job.status == "done", (kind, job.error)
        assert job.total == job.done == total, kind


def test_it_restarts_an_export_a_dead_worker_held_once_its_lease_lapses(
    publisher: Any,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from celedger.core.models import OutboxMessage
    from celedger.core.outbox import outbox_deliver_pending

    session = activity_with("ama-pra-1", publisher=publisher)
    claim(learner("MD"), session, "ama-pra-1")
    with django_capture_on_commit_callbacks(execute=False):
        job = services.export_start(
            publisher=publisher,
            requested_by=people["coordinator"],
            kind="credit_claims",
            date_from=datetime.date(2020, 1, 1),
            date_to=datetime.date(2030, 12, 31),
        )
    # The job and its outbox message were written together; a worker took it, got to
    # "1000 of 30299" and was killed: the job says running, the lease has lapsed.
    message = OutboxMessage.objects.get(kind="reporting.export_run")
    assert message.payload == {"job_id": job.pk}
    OutboxMessage.objects.filter(pk=message.pk).update(
        status="delivering",
        locked_by="dead-worker",
        attempts=1,
        locked_until=timezone.now() - datetime.timedelta(seconds=1),
    )
    ExportJob.objects.filter(pk=job.pk).update(status="running", done=1000, total=30299)

    assert outbox_deliver_pending() == 1
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 1, 1)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 2)
    assert outbox_deliver_pending() == 0


@pytest.mark.parametrize(
    "created", ["yesterday", "2026-13-01T10:00:00-06:00", "2026-03-01 10:00:00"]
)
def test_it_checks_date_times_against_rfc_3339(created: str) -> None:
    record = {
        "ReportingOrganization": "Lakeside Health",
        "Member": {"Name": {"GivenName": "Ana", "FamilyName": "Ruiz"}},
        "Activity": {
            "ProviderOrganization": "4008123",
            "Module": {
                "ModuleName": {"value": "Sepsis", "moduleID": "1"},
                "Status": "Completed",
                "CompletedDateTime": "2026-03-01T10:00:00-06:00",
                "CreditCertificate": [
                    {
                        "UniqueID": [{"value": "123456", "domain": "ABIM"}],
                        "CreditReceived": {
                            "activityCertification": "ABIM MOC",
                            "creditUnit": "Point",
                            "numberOfCredits": 1.25,
                        },
                        "CreditID": "ccid:lakeside:1",
                    }
                ],
            },
        },
        "XtensibleInfo": {"LearnerRecordAction": "add"},
    }

    def document(when: str) -> dict[str, Any]:
        reports = {"DateTimeCreated": when, "ActivityReport": [record]}
        return {"ACCMELearnerReports": {"ActivityReports": reports}}

    writing.schema_validate(document("2026-03-01T10:00:00-06:00"), LEARNER_SCHEMA, "learner")
    with pytest.raises(writing.ExportError, match="DateTimeCreated"):
        writing.schema_validate(document(created), LEARNER_SCHEMA, "learner")
