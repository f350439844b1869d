"""100,000 CPE Monitor records exported on PostgreSQL in flat memory (values streamed in
chunks, never model objects). Slow (building the data takes minutes on 2 cores), so it
runs only with RUN_SLOW=1 on PostgreSQL.
`bench/reporting_export.py` runs it and writes the figures to bench/results/."""

import datetime
import json
import os
import time
import tracemalloc
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from celedger.accounts.models import User
from celedger.accreditation.models import CreditType, Profession, Specialty
from celedger.activities.tests.factories import ActivityFactory, CreditDesignationFactory
from celedger.profiles.models import LearnerProfile
from celedger.reporting import services
from celedger.reporting.models import ExportJob, ReportingRecord
from celedger.reporting.tests.conftest import job_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

LEARNERS = 1000
ACTIVITIES = 100  # 1,000 learners x 100 activities = 100,000 records
PEAK_LIMIT_MB = 40


def _build(publisher: Any) -> None:
    pharmacist = Profession.objects.get(code="pharmacist")
    specialty = Specialty.objects.filter(parent=None).first()
    users = User.objects.bulk_create(
        User(email=f"rx{n}@bench.example.org", password="!") for n in range(LEARNERS)
    )
    LearnerProfile.objects.bulk_create(
        LearnerProfile(
            user=u,
            first_name="Rx",
            last_name=f"Bench{n}",
            last_name_key=f"bench{n}",
            profession=pharmacist,
            specialty=specialty,
            address1="1 Main St",
            city="Livonia",
            state="MI",
            postal_code="48154",
            phone="+17345550100",
            status="practicing",
            license_number="1",
            nabp_eprofile_id=f"{n + 1:07d}",
            birth_month=1 + n % 12,
            birth_day=1 + n % 28,
        )
        for n, u in enumerate(users)
    )
    acpe = CreditType.objects.get(code="acpe-p")
    today = timezone.localdate()
    designations = []
    for n in range(ACTIVITIES):
        activity = ActivityFactory(publisher=publisher, starts_on=today, ends_on=today)
        uan = f"0123-0000-26-{n + 1:03d}-L01-P"
        designations.append(
            CreditDesignationFactory(
                activity=activity, credit_type=acpe, uan=uan, max_hours="1.50"
            )
        )
    batch = []
    for designation in designations:
        for user in users:
            batch.append(
                ReportingRecord(
                    publisher=publisher,
                    learner=user,
                    activity_id=designation.activity_id,
                    designation=designation,
                    channel="cpe_monitor",
                    uan=designation.uan,
                    hours=Decimal("1.50"),
                    participated_on=today,
                    due_on=today + datetime.timedelta(days=60),
                )
            )
        if len(batch) >= 10000:
            ReportingRecord.objects.bulk_create(batch)
            batch = []
    ReportingRecord.objects.bulk_create(batch)


def test_it_exports_100000_cpe_monitor_records_in_flat_memory(publisher: Any) -> None:
    if connection.vendor != "postgresql" or not os.environ.get("RUN_SLOW"):
        pytest.skip("PostgreSQL with RUN_SLOW=1 (about 5 minutes here; bench/reporting_export.py)")
    _build(publisher)
    assert ReportingRecord.objects.count() == LEARNERS * ACTIVITIES

    job = job_for(publisher, "cpe_monitor")
    started = time.perf_counter()
    services.export_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result["rows"] == LEARNERS * ACTIVITIES
    assert ReportingRecord.objects.filter(status="exported").count() == LEARNERS * ACTIVITIES
    with job.file.open("rb") as handle:
        assert sum(1 for _ in handle) == LEARNERS * ACTIVITIES

    # Again, traced (tracemalloc slows Python down, so the time above is the real one).
    ReportingRecord.objects.update(status="pending", exported_in=None, exported_at=None)
    traced = job_for(publisher, "cpe_monitor")
    tracemalloc.start()
    services.export_run(job_id=traced.pk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / 1024 / 1024
    out = os.environ.get("REPORTING_BENCH_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "records": LEARNERS * ACTIVITIES,
                    "seconds": round(seconds, 1),
                    "peak_python_mb": round(peak_mb, 1),
                },
                handle,
            )
    assert ExportJob.objects.get(pk=traced.pk).status == "done"
    assert peak_mb < PEAK_LIMIT_MB, peak_mb
