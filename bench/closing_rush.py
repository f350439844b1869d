"""The closing rush: thousands of learners claim credit for one session at once.

Seeds a PostgreSQL database with one live session (AMA PRA, ANCC and ACPE designated)
and N signed-in learners, serves CE Ledger with gunicorn (DEBUG off, as in production)
and has C concurrent clients each open the claim page and submit it, as a learner's
phone would. Reports throughput and latency, then checks the ledger: exactly one claim
per learner and eligible credit type, and no error responses.

    .venv/bin/python bench/closing_rush.py --learners 3000 --clients 32
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from queue import Empty, Queue

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "celedger_bench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
SERVER_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "LOG_LEVEL": "WARNING",
}
INPUT_RE = re.compile(r"<input\b[^>]*>", re.I)
ATTR_RE = re.compile(r'(\w[\w-]*)="([^"]*)"')


def run(*args: str) -> None:
    subprocess.run(args, check=True, cwd=ROOT, env={**os.environ, **SERVER_ENV})


def reset_database() -> None:
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {DB_NAME}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {DB_NAME}"], check=True)
    run(sys.executable, "manage.py", "migrate", "--no-input", "-v0")
    run(sys.executable, "manage.py", "collectstatic", "--no-input", "-v0")


def seed(learners: int) -> tuple[str, list[str]]:
    """One open session and `learners` signed-in learners: (Event ID, session keys)."""
    os.environ.update(SERVER_ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    import datetime
    from decimal import Decimal

    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from celedger.accounts.models import User
    from celedger.accreditation.models import Credential, CreditType, Specialty
    from celedger.activities.models import Activity, CreditDesignation, Session
    from celedger.evaluations.models import ActivityEvaluation
    from celedger.profiles.models import LearnerProfile
    from celedger.publishers.models import Publisher

    publisher = Publisher.objects.create(
        code="bench", name="Bench Health", contact_email="b@x.org"
    )
    today = timezone.localdate()
    activity = Activity.objects.create(
        publisher=publisher,
        title="Closing plenary",
        starts_on=today,
        ends_on=today,
        status=Activity.Status.PUBLISHED,
    )
    ActivityEvaluation.objects.create(activity=activity, mode=ActivityEvaluation.Mode.NONE)
    for code, uan in (("ama-pra-1", ""), ("ancc", ""), ("acpe-p", "0123-0000-26-001-L01-P")):
        CreditDesignation.objects.create(
            activity=activity,
            credit_type=CreditType.objects.get(code=code),
            max_hours=Decimal("6.00"),
            uan=uan,
        )
    now = timezone.now()
    session = Session.objects.create(
        activity=activity,
        starts_at=now - datetime.timedelta(hours=7),
        ends_at=now - datetime.timedelta(minutes=5),
        event_id="BENCH2",
    )
    # A realistic mix: physicians (1 type), nurses (1), pharmacists with NABP data (1).
    credentials = [Credential.objects.get(abbreviation=a) for a in ("MD", "RN", "PharmD")]
    specialty = Specialty.objects.filter(parent=None).first()
    users = User.objects.bulk_create(
        User(email=f"learner{i}@bench.example.org", password="!") for i in range(learners)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users
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
    keys = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return session.event_id, keys


def claim_once(base: str, path: str, session_key: str) -> tuple[float, float, int]:
    """GET the claim page, submit it; returns (get seconds, post seconds, post status)."""
    cookie = f"sessionid={session_key}"
    t0 = time.perf_counter()
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=60) as response:
        html = response.read().decode()
        set_cookie = response.headers.get_all("Set-Cookie") or []
    t1 = time.perf_counter()
    csrf_cookie = next((c.split(";")[0] for c in set_cookie if c.startswith("csrftoken=")), "")
    fields: dict[str, str] = {}
    for tag in INPUT_RE.findall(html):
        attrs = dict(ATTR_RE.findall(tag))
        name = attrs.get("name")
        if not name or attrs.get("type") == "search" or name == "event_id":
            continue
        fields[name] = "on" if attrs.get("type") == "checkbox" else attrs.get("value", "")
    body = urllib.parse.urlencode(fields).encode()
    post = urllib.request.Request(
        base + path,
        data=body,
        method="POST",
        headers={"Cookie": f"{cookie}; {csrf_cookie}", "Referer": base + path},
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(post, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return t1 - t0, time.perf_counter() - t1, status


def coordinator_side(*, event_id: str, certificates: int) -> None:
    """After the rush: the roster and its exports for every attendee, and certificate PDFs."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from celedger.accounts.models import User
    from celedger.activities.models import Attendance, Session
    from celedger.certificates.services import certificate_issue
    from celedger.credits.models import Claim
    from celedger.publishers.models import StaffMembership

    session = Session.objects.select_related("activity__publisher").get(event_id=event_id)
    activity, publisher = session.activity, session.activity.publisher
    learner_ids = list(
        Claim.objects.filter(session=session).values_list("learner_id", flat=True).distinct()
    )
    Attendance.objects.bulk_create(
        (Attendance(session=session, learner_id=pk) for pk in learner_ids), ignore_conflicts=True
    )
    staff, _ = User.objects.get_or_create(email="coordinator@bench.example.org")
    StaffMembership.objects.get_or_create(
        user=staff, publisher=publisher, defaults={"role": StaffMembership.Role.COORDINATOR}
    )
    client = Client(HTTP_HOST="127.0.0.1", secure=True)
    client.force_login(staff)
    pages = {
        "roster page": reverse("credits:roster", args=[publisher.code, activity.pk]),
        "roster CSV": reverse("credits:roster_export", args=[publisher.code, activity.pk, "csv"]),
        "roster XLSX": reverse(
            "credits:roster_export", args=[publisher.code, activity.pk, "xlsx"]
        ),
    }
    print(f"Coordinator, {len(learner_ids)} attendees:")
    for label, url in pages.items():
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - started
        print(
            f"  {label}: {response.status_code}, {elapsed * 1000:.0f} ms, "
            f"{len(queries.captured_queries)} queries, {len(body) // 1024} KiB"
        )

    learners = list(User.objects.filter(pk__in=learner_ids[:certificates]))
    started = time.perf_counter()
    certificate_issue(learner=learners[0], activity=activity)
    first = time.perf_counter() - started
    started = time.perf_counter()
    for learner in learners[1:]:
        certificate_issue(learner=learner, activity=activity)
    rest = (time.perf_counter() - started) / max(1, len(learners) - 1)
    print(
        f"  certificate PDFs: first {first * 1000:.0f} ms (fonts load), "
        f"then {rest * 1000:.0f} ms each over {len(learners) - 1}"
    )


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--certificates", type=int, default=100, help="PDFs to render after")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()

    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    print(f"Seeding {args.learners} learners into {DB_NAME} …", flush=True)
    reset_database()
    started = time.perf_counter()
    event_id, keys = seed(args.learners)
    print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)

    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "config/gunicorn.conf.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV},
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        path = f"/e/{event_id}/claim/"
        work: Queue[str] = Queue()
        for key in keys:
            work.put(key)
        results: list[tuple[float, float, int]] = []
        errors: list[str] = []
        lock = threading.Lock()

        def client() -> None:
            while True:
                try:
                    key = work.get_nowait()
                except Empty:
                    return
                try:
                    outcome = claim_once(base, path, key)
                except Exception as error:
                    with lock:
                        errors.append(repr(error))
                    continue
                with lock:
                    results.append(outcome)

        print(f"Rush: {args.clients} clients, gunicorn {args.workers} sync workers …", flush=True)
        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    from django.db.models import Count

    from celedger.credits.models import Claim

    gets = [r[0] for r in results]
    posts = [r[1] for r in results]
    statuses = {s: sum(1 for r in results if r[2] == s) for s in {r[2] for r in results}}
    claims = Claim.objects.filter(session__event_id=event_id, status="active")
    per_learner = claims.values("learner").annotate(n=Count("id")).values_list("n", flat=True)
    print(
        f"  {len(results)} learners claimed in {elapsed:.1f} s: "
        f"{len(results) / elapsed:.0f} learners/s ({2 * len(results) / elapsed:.0f} requests/s)"
    )
    print(
        f"  claim page GET  p50 {percentile(gets, 50) * 1000:.0f} ms, "
        f"p95 {percentile(gets, 95) * 1000:.0f} ms, max {max(gets) * 1000:.0f} ms"
    )
    print(
        f"  claim POST      p50 {percentile(posts, 50) * 1000:.0f} ms, "
        f"p95 {percentile(posts, 95) * 1000:.0f} ms, max {max(posts) * 1000:.0f} ms"
    )
    print(f"  POST statuses {statuses}; client errors {len(errors)}")
    print(
        f"  ledger: {claims.count()} active claims, "
        f"{len(set(per_learner))} distinct claims-per-learner value(s): {sorted(set(per_learner))}"
    )
    if errors:
        print("  first error:", errors[0])
    ok = not errors and set(statuses) == {302} and claims.count() == len(results)
    coordinator_side(event_id=event_id, certificates=args.certificates)
    print("OK" if ok else "PROBLEM: see above")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
