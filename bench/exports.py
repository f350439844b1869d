"""Every export at 10,000 and 100,000 records on PostgreSQL: time and peak Python memory.

    .venv/bin/python bench/exports.py                 # 10k and 100k
    .venv/bin/python bench/exports.py --sizes 10000,100000,1000000

Re-creates the database (default `celedger_perfdata_exports`; its own, so it can run
beside bench/transcript.py), seeds 1,000 learners (pharmacists with NABP data and ABIM diplomates)
and N/1,000 activities, each learner with one claim, one CPE Monitor record and one PARS
record per activity (`generate_series`), then runs each export through the background
service (`reporting.services.export_run`) once timed (wall time, and the Python side's CPU
time, `time.process_time`, which other work on a shared machine disturbs less) and once
under `tracemalloc`. "Flat" memory shows as a peak that does not grow with N (the ratio
column). The load average is noted before each export. Writes
bench/results/<date>-exports.md. A benchmark reports; it never fails on time.
"""

import argparse
import datetime
import os
import platform
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_DB", "celedger_perfdata_exports")

from transcript import (  # noqa: E402
    DB_NAME,
    Seeder,
    reset_database,
    setup_django,
    write_results,
)

LEARNERS = 1000
# (kind, format): every export a coordinator can start.
EXPORTS = [
    ("credit_claims", "csv"),
    ("credit_claims", "xlsx"),
    ("cpe_monitor", "csv"),
    ("pars_moc", "json"),
    ("pars_moc_tab", "txt"),
    ("pars_moc_tab", "xlsx"),
    ("pars_activities", "json"),
    ("pars_activities", "xlsx"),
]


class ExportSeeder(Seeder):
    def __init__(self) -> None:
        super().__init__()
        from celedger.accreditation.models import Board, CreditType, Profession

        self.publisher.accme_provider_id = "JA4008106"
        self.publisher.save(update_fields=["accme_provider_id"])
        self.acpe = CreditType.objects.get(code="acpe-p")
        self.moc = CreditType.objects.get(code="moc-abim")
        self.board = Board.objects.get(code="ABIM")
        self.pharmacist = Profession.objects.get(code="pharmacist")
        self.learner_ids: list[int] = []
        self.activities_made = 0

    def learners(self) -> None:
        from celedger.accreditation.models import Credential
        from celedger.profiles.models import BoardCertification, LearnerProfile

        users = self.users(LEARNERS, profiles=True)
        profiles = list(LearnerProfile.objects.filter(user__in=users).order_by("pk"))
        for n, p in enumerate(profiles):
            p.profession = self.pharmacist
            p.nabp_eprofile_id = f"{n + 1:07d}"
            p.birth_month, p.birth_day = 1 + n % 12, 1 + n % 28
        LearnerProfile.objects.bulk_update(
            profiles, ["profession", "nabp_eprofile_id", "birth_month", "birth_day"]
        )
        through = LearnerProfile.credentials.through
        pharmd, md = (
            Credential.objects.get(abbreviation="PharmD"),
            Credential.objects.get(abbreviation="MD"),
        )
        through.objects.bulk_create(
            [through(learnerprofile_id=p.pk, credential_id=pharmd.pk) for p in profiles]
            + [through(learnerprofile_id=p.pk, credential_id=md.pk) for p in profiles[::2]]
        )
        BoardCertification.objects.bulk_create(
            BoardCertification(profile=p, board=self.board, diplomate_id=f"{100000 + n}")
            for n, p in enumerate(profiles)
        )
        self.learner_ids = [u.pk for u in users]

    def grow(self, records: int) -> None:
        """Activities (each ACPE + ABIM MOC designated) until every learner has one claim
        and one record per channel in each, `records` per kind in all."""
        from django.db import connection

        from celedger.activities.models import CreditDesignation

        wanted = records // LEARNERS
        new = wanted - self.activities_made
        built = self.activities("Course", new, 1)
        self.activities_made = wanted
        rows = []
        for n, (activity, ama, sessions) in enumerate(built, start=wanted - new):
            uan = f"0123-0000-26-{n + 1:03d}-L01-P"
            acpe = CreditDesignation.objects.create(
                activity=activity, credit_type=self.acpe, max_hours=Decimal("1.00"), uan=uan
            )
            moc = CreditDesignation.objects.create(
                activity=activity, credit_type=self.moc, max_hours=Decimal("1.00")
            )
            rows.append((activity.pk, sessions[0].pk, ama.pk, acpe.pk, moc.pk, uan))
        with connection.cursor() as cursor:
            for activity_id, session_id, ama_id, acpe_id, moc_id, uan in rows:
                cursor.execute(
                    """
                    INSERT INTO credits_claim (learner_id, session_id, designation_id, hours,
                        max_hours, legacy_over_max, participated_on, uan, attested_at, status,
                        revoke_reason, created_at, updated_at)
                    SELECT u, %s, %s, 1.00, 1.00, false, current_date - 1, '', now(),
                        'active', '', now(), now()
                    FROM unnest(%s::bigint[]) AS u
                    """,
                    [session_id, ama_id, self.learner_ids],
                )
                for channel, designation_id, record_uan, board_id in (
                    ("cpe_monitor", acpe_id, uan, None),
                    ("pars", moc_id, "", self.board.pk),
                ):
                    cursor.execute(
                        """
                        INSERT INTO reporting_reportingrecord (publisher_id, learner_id,
                            activity_id, designation_id, channel, uan, board_id, action, hours,
                            participated_on, due_on, status, hold_reasons, rejection_reason,
                            is_current, created_at, updated_at)
                        SELECT %s, u, %s, %s, %s, %s, %s, 'add', 1.00, current_date - 1,
                            current_date + 29, 'pending', '[]', '', true, now(), now()
                        FROM unnest(%s::bigint[]) AS u
                        """,
                        [
                            self.publisher.pk,
                            activity_id,
                            designation_id,
                            channel,
                            record_uan,
                            board_id,
                            self.learner_ids,
                        ],
                    )
            cursor.execute("ANALYZE")


def run_export(publisher: Any, user: Any, kind: str, fmt: str) -> tuple[float, float, int, Any]:
    from django.db import connection

    from celedger.reporting.models import ExportJob, ReportingRecord
    from celedger.reporting.services import export_run, export_start

    # Records go out once: make them pending again so every run sends the same rows (and
    # vacuum the dead rows that leaves, as autovacuum would between real exports).
    ReportingRecord.objects.update(status="pending", exported_in=None, exported_at=None)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reporting_reportingrecord")
    today = datetime.date.today()
    job = export_start(
        publisher=publisher,
        requested_by=user,
        kind=kind,
        date_from=today - datetime.timedelta(days=800),
        date_to=today,
        file_format=fmt,
    )
    started, cpu = time.perf_counter(), time.process_time()
    export_run(job_id=job.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    job = ExportJob.objects.get(pk=job.pk)
    assert job.status == "done", job.error
    size = job.file.size
    job.file.delete(save=False)
    return seconds, cpu, size, job.result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--only", default="", help="comma-separated kinds to run")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    reset_database()
    setup_django()
    import django

    seed = ExportSeeder()
    seed.learners()
    staff = seed.users(1)[0]
    exports = [e for e in EXPORTS if not args.only or e[0] in args.only.split(",")]
    # (kind, format) -> size -> (wall s, Python CPU s, peak MB, load average before)
    figures: dict[tuple[str, str], dict[int, tuple[float, float, float, float]]] = {}
    for size in sizes:
        seed.grow(size)
        for kind, fmt in exports:
            load = os.getloadavg()[0]
            seconds, cpu, bytes_out, result = run_export(seed.publisher, staff, kind, fmt)
            tracemalloc.start()
            run_export(seed.publisher, staff, kind, fmt)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            figures.setdefault((kind, fmt), {})[size] = (seconds, cpu, peak / 2**20, load)
            print(
                f"{size:,} {kind} {fmt}: {seconds:.1f} s (CPU {cpu:.1f} s, load {load:.1f}), "
                f"peak {peak / 2**20:.1f} MB, {bytes_out:,} bytes, {result}",
                flush=True,
            )

    today = datetime.date.today().isoformat()
    small, large = sizes[0], sizes[-1]
    lines = [
        f"# Exports at scale — {today}\n",
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, Django {django.get_version()}, PostgreSQL at "
        f"127.0.0.1 (`{DB_NAME}`). Each export run once timed, once under tracemalloc "
        "(peak Python memory). Time is wall time, then the Python side's CPU time "
        "(`time.process_time`; the database's work is in the wall time only), then the "
        "1-minute load average when the export started: other work shared the machine.\n",
        f"Records per kind: {', '.join(f'{s:,}' for s in sizes)} ({LEARNERS:,} learners × "
        f"{', '.join(str(s // LEARNERS) for s in sizes)} activities). PARS activities: "
        "one row per activity (its learner counts read every claim).\n",
        "| export | "
        + " | ".join(f"{s:,}: time (CPU, load), peak" for s in sizes)
        + f" | CPU × ({large // small}× rows) | peak × |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: | ---: |",
    ]
    for (kind, fmt), by_size in figures.items():
        cells = " | ".join(
            f"{by_size[s][0]:.2f} s ({by_size[s][1]:.2f} s, {by_size[s][3]:.1f}), "
            f"{by_size[s][2]:.1f} MB"
            for s in sizes
        )
        lines.append(
            f"| {kind} {fmt} | {cells} | {by_size[large][1] / by_size[small][1]:.1f} |"
            f" {by_size[large][2] / by_size[small][2]:.2f} |"
        )
    write_results(f"{today}-exports.md", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
