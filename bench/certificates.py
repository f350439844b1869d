"""The certificate download that renders in the request, on PostgreSQL.

    .venv/bin/python bench/certificates.py                 # 40 learners, 5 fresh processes
    .venv/bin/python bench/certificates.py --renders 80 --fresh 8

Re-creates the database (default `celedger_certs_bench_pdf`, `BENCH_DB`), seeds one
activity designated for AMA PRA Category 1, ANCC and ACPE (as the closing rush does), a
publisher with a logo, and learners (physicians, nurses, pharmacists) with a claim each
and no certificate yet. Then:

1. first render after warm-up in a fresh process: each of `--fresh` new processes loads
   Django, the URLconf and the middleware (as a gunicorn worker has before
   `post_worker_init`), calls `core.pdf.warm_up()` (as `post_worker_init` does) and
   downloads one learner's certificate, which renders in the request;
2. steady state, in this process: `--renders` learners' first downloads (each renders),
   then the same learners' downloads of the stored copy;
3. the trivial WeasyPrint render (`warm_up`'s one-paragraph page) in the same process, as
   the yardstick: each figure is also given as a ratio to it.

Requests go through Django's test client (DEBUG off, sessions in the database), timed as
wall time and this process's CPU time, with the statements counted. Writes
bench/results/<date>-certificates.md. A benchmark reports; it never fails on time.
"""

import argparse
import datetime
import json
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
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_DB", "celedger_certs_bench_pdf")

from transcript import DB_NAME, ENV, reset_database  # noqa: E402
from transcript import setup_django as transcript_setup_django  # noqa: E402

ENV.update(
    {"PRIVATE_MEDIA_ROOT": f"/tmp/{DB_NAME}-private", "MEDIA_ROOT": f"/tmp/{DB_NAME}-media"}
)


def setup_django() -> None:
    transcript_setup_django()
    # Load the URLconf and the views as a worker has by its first request.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


def seed(learners: int) -> int:
    """One activity with three designations, a publisher with a logo, `learners` learners
    with one claim each; returns the activity's id."""
    import io

    import segno
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from celedger.accounts.models import User
    from celedger.accreditation.models import Credential, CreditType, Specialty
    from celedger.activities.models import Activity, CreditDesignation, Session
    from celedger.credits.models import Claim
    from celedger.profiles.models import LearnerProfile
    from celedger.publishers.models import Publisher

    publisher = Publisher.objects.create(
        code="bench", name="Bench Health", contact_email="b@x.org", signer_name="Dr. Bench"
    )
    logo = io.BytesIO()
    segno.make("Bench Health").save(logo, kind="png", scale=10)  # any PNG of a logo's size
    publisher.logo.save("bench-logo.png", ContentFile(logo.getvalue()))
    today = timezone.localdate()
    activity = Activity.objects.create(
        publisher=publisher,
        title="Closing plenary",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=1),
        status=Activity.Status.PUBLISHED,
    )
    designations = [
        CreditDesignation.objects.create(
            activity=activity,
            credit_type=CreditType.objects.get(code=code),
            max_hours=Decimal("1.50"),
            uan=uan,
        )
        for code, uan in (("ama-pra-1", ""), ("ancc", ""), ("acpe-p", "0123-0000-26-001-L01-P"))
    ]
    now = timezone.now()
    session = Session.objects.create(
        activity=activity,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=3),
        event_id="BENCH3",
    )
    credentials = [Credential.objects.get(abbreviation=a) for a in ("MD", "RN", "PharmD")]
    specialty = Specialty.objects.filter(parent=None).first()
    users = User.objects.bulk_create(
        User(email=f"learner{i}@bench.example.org", password="!") for i in range(learners)
    )
    profiles = LearnerProfile.objects.bulk_create(
        LearnerProfile(
            user=u,
            first_name="Bench",
            last_name=f"Learner{i}",
            last_name_key=f"learner{i}",
            profession=credentials[i % 3].profession,
            specialty=specialty,
            address1="1 Main",
            city="Detroit",
            state="MI",
            postal_code="48201",
            country="US",
            phone=f"+1313555{i % 10000:04d}",
            status="practicing",
            license_number=f"L{i}",
            nabp_eprofile_id="1234567" if i % 3 == 2 else "",
            birth_month=1,
            birth_day=2,
        )
        for i, u in enumerate(users)
    )
    through = LearnerProfile.credentials.through
    through.objects.bulk_create(
        through(learnerprofile_id=p.pk, credential_id=credentials[i % 3].pk)
        for i, p in enumerate(profiles)
    )
    Claim.objects.bulk_create(
        Claim(
            learner=u,
            session=session,
            designation=designations[i % 3],
            hours=Decimal("1.50"),
            max_hours=Decimal("1.50"),
            participated_on=today,
            attested_at=now,
        )
        for i, u in enumerate(users)
    )
    return activity.pk


def download(client: Any, learner: Any, url: str) -> dict[str, float]:
    """One certificate download by `learner`: wall and CPU ms, statements, PDF or not."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(learner)
    with CaptureQueriesContext(connection) as queries:
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert response.status_code == 200 and response.getvalue().startswith(b"%PDF")
    return {"wall": wall * 1000, "cpu": cpu * 1000, "queries": len(queries)}


def trivial_render() -> dict[str, float]:
    """One paragraph through the same renderer (fonts and fetcher reused): the yardstick."""
    from celedger.core.pdf import html_to_pdf

    wall, cpu = time.perf_counter(), time.process_time()
    html_to_pdf("<p>CE Ledger</p>")
    return {"wall": (time.perf_counter() - wall) * 1000, "cpu": (time.process_time() - cpu) * 1000}


def child_first(activity_pk: int, learner_index: int) -> None:
    """In a fresh process: warm up as a gunicorn worker does, then one first download."""
    started = time.perf_counter()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from celedger.core.pdf import warm_up

    client = Client()
    # As gunicorn: the WSGI handler (its middleware) is built before post_worker_init.
    client.handler.load_middleware()
    warm_up()
    ready = (time.perf_counter() - started) * 1000
    learner = get_user_model().objects.order_by("pk")[learner_index]
    first = download(client, learner, reverse("certificates:mine", args=[activity_pk]))
    trivial = trivial_render()
    print(json.dumps({"first": first, "trivial": trivial, "startup_ms": ready}))


def median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def machine_lines() -> list[str]:
    import django
    import psycopg
    import weasyprint

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}; load average at the end {load}",
        f"- Python {platform.python_version()}, Django {django.__version__}, "
        f"psycopg {psycopg.__version__}, WeasyPrint {weasyprint.__version__}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--renders", type=int, default=40, help="steady-state renders")
    parser.add_argument("--fresh", type=int, default=5, help="fresh processes, one render each")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--results", default=str(ROOT / "bench/results"))
    args = parser.parse_args()
    if args.child:
        child_first(*args.child)
        return 0

    reset_database()
    setup_django()
    learners = args.fresh + args.renders
    activity_pk = seed(learners)
    load_before = os.getloadavg()[0]

    fresh = []
    for n in range(args.fresh):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(activity_pk), str(n)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        fresh.append(json.loads(out.strip().splitlines()[-1]))

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from celedger.core.pdf import warm_up

    warm_up()
    url = reverse("certificates:mine", args=[activity_pk])
    client = Client()
    rest = list(get_user_model().objects.order_by("pk")[args.fresh :])
    rendered = [download(client, learner, url) for learner in rest]
    stored = [download(client, learner, url) for learner in rest]
    trivial = [trivial_render() for _ in range(args.renders)]

    base_wall, base_cpu = median(trivial, "wall"), median(trivial, "cpu")
    firsts = [f["first"] for f in fresh]

    def row(name: str, rows: list[dict[str, float]], queries: bool = True) -> str:
        wall, cpu = median(rows, "wall"), median(rows, "cpu")
        counted = sorted({int(r["queries"]) for r in rows}) if queries else []
        return (
            f"| {name} | {len(rows)} | {wall:.1f} | {cpu:.1f} | {wall / base_wall:.2f} | "
            f"{cpu / base_cpu:.2f} | {'/'.join(map(str, counted)) or '—'} |"
        )

    today = datetime.date.today().isoformat()
    lines = [
        f"# Certificates: the render in the request ({today})",
        "",
        "`.venv/bin/python bench/certificates.py "
        f"--renders {args.renders} --fresh {args.fresh}` on PostgreSQL 127.0.0.1, in process "
        "through Django's test client (DEBUG off, sessions in the database).",
        "",
        *machine_lines(),
        f"- load average at the start {load_before:.2f}",
        "",
        "Medians; ratios are to the trivial WeasyPrint render (one paragraph) in the same "
        "process and run.",
        "",
        "| what | n | wall ms | CPU ms | × trivial (wall) | × trivial (CPU) | queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        row("trivial WeasyPrint render", trivial, queries=False),
        row("first download after warm-up, fresh process (renders)", firsts),
        row("download, steady state (renders)", rendered),
        row("download of the stored copy", stored),
        "",
        "Fresh processes (startup = Django setup, URLconf and warm-up): "
        + ", ".join(
            f"{f['first']['wall']:.0f} ms first ({f['trivial']['wall']:.1f} ms trivial, "
            f"startup {f['startup_ms']:.0f} ms)"
            for f in fresh
        ),
    ]
    print("\n".join(lines))
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{today}-certificates.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
