"""The learner's transcript and the coordinator's roster at scale, on PostgreSQL.

    .venv/bin/python bench/transcript.py                 # ledger 10k and 10M claims
    .venv/bin/python bench/transcript.py --ledger 10000,1000000 --requests 40
    .venv/bin/python bench/transcript.py --roster-users 2000,20000,200000 --roster-only

Re-creates the database (default `celedger_perfdata_bench`), then in one run:

1. roster: one activity with 1,000 learners (checked in, claimed); the roster page and a
   search timed with 2,000 users on the instance, then again with 20,000 (`--roster-users`;
   `--roster-only` stops after it);
2. transcript: one learner with 500 claims; page 1 and page 5 timed with the ledger at
   ~2k claims (the learner's own and the roster's), then filled with other learners'
   claims (`generate_series`) to each `--ledger` size and timed again; the plans of the
   page's queries (EXPLAIN ANALYZE) at the largest size;
3. the transcript PDF of the 500 claims, after `core.pdf.warm_up()`.

Requests go through Django's test client in this process (DEBUG off, sessions in the
database): what is timed is the view with its queries and template, not a network.
Writes bench/results/<date>-transcript.md. A benchmark reports; it never fails on time.
"""

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DB", "celedger_perfdata_bench")
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "LOG_LEVEL": "WARNING",
    "REDIS_URL": "",
}
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def reset_database() -> None:
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {DB_NAME}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {DB_NAME}"], check=True)
    for command in (["migrate"], ["collectstatic"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "--no-input", "-v0"],
            check=True,
            cwd=ROOT,
            env={**os.environ, **ENV},
        )


def setup_django() -> None:
    os.environ.update(ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def event_id(n: int) -> str:
    """A distinct 6-character Event ID for each n (base 31 over the Event ID alphabet)."""
    chars = []
    for _ in range(6):
        n, r = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[r])
    return "".join(chars)


class Seeder:
    """Rows made with bulk_create, ledger filler with generate_series."""

    def __init__(self) -> None:
        from celedger.accreditation.models import CreditType, Profession, Specialty
        from celedger.publishers.models import Publisher

        self.publisher = Publisher.objects.create(
            code="bench", name="Bench Health", contact_email="b@example.org"
        )
        self.ama = CreditType.objects.get(code="ama-pra-1")
        self.physician = Profession.objects.get(code="physician")
        self.specialty = Specialty.objects.filter(parent=None).first()
        self.next_event = 1000
        self.next_user = 0

    def activities(
        self, title: str, count: int, sessions: int, *, structure: str = "single"
    ) -> list[tuple[Any, Any, list[Any]]]:
        """`count` published activities of `sessions` sessions each, AMA PRA designated:
        (activity, designation, sessions) for each."""
        from django.utils import timezone

        from celedger.activities.models import Activity, CreditDesignation, Session

        today = timezone.localdate()
        activities = Activity.objects.bulk_create(
            Activity(
                publisher=self.publisher,
                title=f"{title} {n}",
                starts_on=today - datetime.timedelta(days=400),
                ends_on=today,
                structure=structure,
                status=Activity.Status.PUBLISHED,
            )
            for n in range(count)
        )
        designations = CreditDesignation.objects.bulk_create(
            CreditDesignation(activity=a, credit_type=self.ama, max_hours=Decimal("1.00"))
            for a in activities
        )
        now = timezone.now()
        built = []
        for activity, designation in zip(activities, designations, strict=True):
            rows = []
            for n in range(sessions):
                self.next_event += 1
                start = now - datetime.timedelta(days=(self.next_event * 7) % 700, hours=2)
                rows.append(
                    Session(
                        activity=activity,
                        starts_at=start,
                        ends_at=start + datetime.timedelta(hours=1),
                        topic=f"Session {n}",
                        event_id=event_id(self.next_event),
                        credit_hours=Decimal("1.00") if structure != "single" else None,
                    )
                )
            built.append((activity, designation, rows))
        Session.objects.bulk_create([s for _, _, rows in built for s in rows], batch_size=5000)
        return built

    def users(self, count: int, *, profiles: bool = False) -> list[Any]:
        from celedger.accounts.models import User
        from celedger.profiles.models import LearnerProfile

        start = self.next_user
        self.next_user += count
        users = User.objects.bulk_create(
            (
                User(email=f"u{n}@bench.example.org", password="!")
                for n in range(start, start + count)
            ),
            batch_size=5000,
        )
        if profiles:
            LearnerProfile.objects.bulk_create(
                (
                    LearnerProfile(
                        user=u,
                        first_name="Bench",
                        last_name=f"Learner{n}",
                        last_name_key=f"learner{n}",
                        profession=self.physician,
                        specialty=self.specialty,
                        address1="1 Main",
                        city="Detroit",
                        state="MI",
                        postal_code="48201",
                        country="US",
                        phone="+13135550100",
                        status="practicing",
                        license_number=f"L{n}",
                    )
                    for n, u in enumerate(users, start=start)
                ),
                batch_size=5000,
            )
        return users

    @staticmethod
    def claims(pairs: list[tuple[Any, Any]], designation: Any) -> None:
        from django.utils import timezone

        from celedger.credits.models import Claim

        now = timezone.now()
        Claim.objects.bulk_create(
            (
                Claim(
                    learner=user,
                    session=session,
                    designation=designation,
                    hours=Decimal("1.00"),
                    max_hours=Decimal("1.00"),
                    participated_on=session.starts_at.date(),
                    attested_at=now,
                )
                for user, session in pairs
            ),
            batch_size=5000,
        )

    @staticmethod
    def fill_ledger(
        *, to: int, user_ids: list[int], session_ids: list[int], designation_ids: list[int]
    ) -> None:
        """Other learners' claims until the ledger holds `to` rows: each (user, session)
        pair once (with the session's designation), in 1M-row statements."""
        from django.db import connection

        from celedger.credits.models import Claim

        have = Claim.objects.count()
        u, s = len(user_ids), len(session_ids)
        assert to - have <= u * s, "not enough (user, session) pairs"
        offset = have  # filler rows are numbered from here; pairs never repeat
        step = 1_000_000
        with connection.cursor() as cursor:
            for start in range(offset, to, step):
                end = min(start + step, to)
                cursor.execute(
                    """
                    INSERT INTO credits_claim (learner_id, session_id, designation_id, hours,
                        max_hours, legacy_over_max, participated_on, uan, attested_at, status,
                        revoke_reason, created_at, updated_at)
                    SELECT (%s::bigint[])[1 + g %% %s], (%s::bigint[])[1 + (g / %s) %% %s],
                        (%s::bigint[])[1 + (g / %s) %% %s], 1.00, 1.00, false,
                        current_date - (g %% 700)::int, '', now(), 'active', '', now(), now()
                    FROM generate_series(%s, %s) AS g
                    """,
                    [user_ids, u, session_ids, u, s, designation_ids, u, s, start, end - 1],
                )
                print(f"  ledger {end:,} claims", flush=True)
            cursor.execute("ANALYZE")


def analyze() -> None:
    """After bulk loads, what autovacuum does for a ledger that grew over years: fresh
    planner statistics and the visibility map and hint bits set. Without the VACUUM the
    first reads of just-loaded rows pay for setting hint bits, and index-only scans visit
    the heap (at 10M claims the page right after the fill took 1.3× its later time)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def timed(
    client: Any, url: str, data: dict[str, str] | None, n: int
) -> tuple[float, int, int, float]:
    """p50 in ms over n GETs (after two warm-ups), the response size, its query count and
    the fastest GET (the figure least moved by other work on a shared machine)."""
    from django.db import connection

    for _ in range(2):
        response = client.get(url, data)
        assert response.status_code == 200, response.status_code
    queries: list[str] = []
    # Not CaptureQueriesContext: each request resets the connection's query log.
    with connection.execute_wrapper(
        lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
    ):
        client.get(url, data)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url, data)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), len(response.content), len(queries), min(samples)


def explain(sql_and_params: list[tuple[str, Any]]) -> list[str]:
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        for sql, params in sql_and_params:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            plans.append("\n".join(r[0] for r in cursor.fetchall()))
    return plans


def transcript_queries(learner: Any) -> list[tuple[str, Any]]:
    """The SQL of the transcript page's totals and rows (page 5) for `learner`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from celedger.credits.selectors import transcript_for

    with CaptureQueriesContext(connection) as captured:
        transcript_for(learner=learner, page=5)
    # totals and rows (the external credit's query is the third); EXPLAIN takes the SQL
    # with its parameters inlined by the driver, as run.
    return [(q["sql"], None) for q in captured.captured_queries[:2]]


def roster_queries(activity: Any) -> list[tuple[str, Any]]:
    from celedger.credits.selectors import RosterFilters, roster_learners, roster_sessions

    sessions = roster_sessions(activity=activity)
    page = roster_learners(activity=activity, sessions=sessions, filters=RosterFilters())[:100]
    found = roster_learners(
        activity=activity, sessions=sessions, filters=RosterFilters(q="learner12")
    )[:100]
    return [page.query.sql_with_params(), found.query.sql_with_params()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ledger", default="10000,10000000", help="ledger sizes (claims)")
    parser.add_argument("--requests", type=int, default=30, help="timed GETs per figure")
    parser.add_argument("--no-reset", action="store_true", help="keep the database (debugging)")
    parser.add_argument(
        "--roster-users", default="2000,20000", help="users on the instance for the roster"
    )
    parser.add_argument("--roster-only", action="store_true", help="the roster, no transcript")
    args = parser.parse_args()
    sizes = [int(x) for x in args.ledger.split(",") if x]
    if not args.no_reset:
        reset_database()
    setup_django()
    import django
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from celedger.activities.models import Attendance
    from celedger.core.pdf import warm_up
    from celedger.credits.models import Claim
    from celedger.publishers.models import StaffMembership

    seed = Seeder()
    lines: list[str] = []
    out = lines.append
    n = args.requests

    # 1. Roster: 1,000 learners on an activity; 2,000 then 20,000 users on the instance.
    [(activity, designation, sessions)] = seed.activities("Roster bench", 1, 1)
    roster_learners = seed.users(1000, profiles=True)
    Attendance.objects.bulk_create(
        Attendance(session=sessions[0], learner=u) for u in roster_learners
    )
    seed.claims([(u, sessions[0]) for u in roster_learners], designation)
    staff = seed.users(1)[0]
    StaffMembership.objects.create(user=staff, publisher=seed.publisher, role="coordinator")
    client = Client()
    client.force_login(staff)
    url = reverse("credits:roster", args=[seed.publisher.code, activity.pk])
    roster: dict[int, tuple[tuple[float, int, int, float], tuple[float, int, int, float]]] = {}
    roster_sizes = [int(x) for x in args.roster_users.split(",") if x]
    for total in roster_sizes:
        seed.users(total - get_user_model().objects.count(), profiles=True)
        analyze()
        roster[total] = (timed(client, url, None, n), timed(client, url, {"q": "learner12"}, n))
        print(f"roster with {total:,} users: {roster[total]}", flush=True)
    roster_plans = explain(roster_queries(activity))
    if args.roster_only:
        report = [f"# Roster at scale — {datetime.date.today().isoformat()}\n"]
        report += roster_report(roster) + plan_lines(roster_sizes[-1], roster_plans)
        write_results(f"{datetime.date.today().isoformat()}-roster.md", report)
        return 0

    # 2. Transcript: one learner, 500 claims; the ledger grows around them.
    learner = seed.users(1, profiles=True)[0]
    built = seed.activities("Grand rounds", 50, 10, structure="series")
    for _, t_designation, t_sessions in built:
        seed.claims([(learner, s) for s in t_sessions], t_designation)
    client = Client()
    client.force_login(learner)
    t_url = reverse("credits:transcript")
    filler = seed.activities("Course", 2000, 1)
    filler_users = [u.pk for u in get_user_model().objects.exclude(pk=learner.pk).order_by("pk")]
    analyze()
    transcript: list[tuple[int, tuple[float, int, int, float], tuple[float, int, int, float]]] = []
    plans_by_size: dict[int, list[str]] = {}
    for size in [Claim.objects.count(), *sizes]:
        if size > Claim.objects.count():
            seed.fill_ledger(
                to=size,
                user_ids=filler_users,
                session_ids=[rows[0].pk for _, _, rows in filler],
                designation_ids=[d.pk for _, d, _ in filler],
            )
        ledger = Claim.objects.count()
        first = timed(client, t_url, None, n)
        fifth = timed(client, t_url, {"page": "5"}, n)
        transcript.append((ledger, first, fifth))
        plans_by_size[ledger] = explain(transcript_queries(learner))
        print(f"transcript, ledger {ledger:,}: {first} {fifth}", flush=True)

    # 3. PDFs, after the warm-up a worker does at start: 60 claims in the request (the
    # most it lays out itself), 500 in the background build (what the worker runs).
    from celedger.credits.models import TranscriptPdf
    from celedger.credits.selectors import TranscriptFilters
    from celedger.credits.services import transcript_pdf_build, transcript_pdf_request

    started = time.perf_counter()
    warm_up()
    warm = (time.perf_counter() - started) * 1000
    short = seed.users(1, profiles=True)[0]
    for _, t_designation, t_sessions in built[:6]:
        seed.claims([(short, s) for s in t_sessions], t_designation)
    short_client = Client()
    short_client.force_login(short)
    in_request = []
    for _ in range(3):
        started = time.perf_counter()
        response = short_client.get(reverse("credits:transcript_pdf"))
        in_request.append((time.perf_counter() - started) * 1000)
        assert response["Content-Type"] == "application/pdf"
    background = []
    for _ in range(2):
        started = time.perf_counter()
        job = transcript_pdf_request(learner=learner, filters=TranscriptFilters())
        transcript_pdf_build(pdf_id=job.pk)
        background.append((time.perf_counter() - started) * 1000)
        job = TranscriptPdf.objects.get(pk=job.pk)
        assert job.stage == "done", job.error
    pdf_pages = job.pages

    # The report.
    base, base_min = transcript[0][1][0], transcript[0][1][3]
    today = datetime.date.today().isoformat()
    out(f"# Transcript and roster at scale — {today}\n")
    out(
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" Django {django.get_version()}, PostgreSQL at 127.0.0.1 (`{DB_NAME}`)."
    )
    out(
        "In-process test client, DEBUG off, sessions in the database; p50 of "
        f"{n} GETs after two warm-ups. Other work shared the machine.\n"
    )
    out("## Transcript (learner with 500 claims, 50 per page)\n")
    out(
        "| claims in the ledger | page 1 p50 | page 1 fastest | page 5 p50 | × first (p50) |"
        " × first (fastest) | queries | bytes |"
    )
    out("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for ledger, first, fifth in transcript:
        out(
            f"| {ledger:,} | {first[0]:.1f} ms | {first[3]:.1f} ms | {fifth[0]:.1f} ms |"
            f" {first[0] / base:.2f} | {first[3] / base_min:.2f} | {first[2]} | {first[1]:,} |"
        )
    out(
        "\nTranscript PDF in the request, 60 claims: "
        + ", ".join(f"{t:.0f} ms" for t in in_request)
        + f"; built in the background, 500 claims ({pdf_pages} pages): "
        + ", ".join(f"{t:.0f} ms" for t in background)
        + f" (warm-up first: {warm:.0f} ms).\n"
    )
    lines += roster_report(roster)
    for ledger, plans in plans_by_size.items():
        out(f"## Transcript plans at {ledger:,} claims\n")
        for title, plan in zip(["Totals (with the count)", "Page 5 rows"], plans, strict=True):
            out(f"### {title}\n\n```\n{plan}\n```\n")
    lines += plan_lines(roster_sizes[-1], roster_plans)
    write_results(f"{today}-transcript.md", lines)
    return 0


def roster_report(roster: dict[int, Any]) -> list[str]:
    """The roster's table: each size's page and search, and their ratios to the first."""
    lines: list[str] = []
    out = lines.append
    out("## Roster (1,000 learners on the activity, 100 per page)\n")
    out(
        "| users on the instance | page p50 | page fastest | search p50 | search fastest |"
        " queries |"
    )
    out("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for total, (page, search) in roster.items():
        out(
            f"| {total:,} | {page[0]:.1f} ms | {page[3]:.1f} ms | {search[0]:.1f} ms |"
            f" {search[3]:.1f} ms | {page[2]} |"
        )
    smallest, *larger = roster
    small = roster[smallest]
    for total in larger:
        large = roster[total]
        out(
            f"\nRatio {total:,}/{smallest:,} users: page {large[0][0] / small[0][0]:.2f} (p50),"
            f" {large[0][3] / small[0][3]:.2f} (fastest); search"
            f" {large[1][0] / small[1][0]:.2f} (p50), {large[1][3] / small[1][3]:.2f}"
            " (fastest).\n"
        )
    return lines


def plan_lines(users: int, plans: list[str]) -> list[str]:
    lines = [f"## Roster plans ({users:,} users)\n"]
    for title, plan in zip(["Roster page learners", "Roster search"], plans, strict=True):
        lines.append(f"### {title}\n\n```\n{plan}\n```\n")
    return lines


def write_results(name: str, lines: list[str]) -> None:
    """Print the report and keep it as bench/results/<name> (exports.py uses it too)."""
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    path = results / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"written: {path}")


if __name__ == "__main__":
    sys.exit(main())
