"""The closing rush: every learner of a conference goes the whole way at once.

Seeds a PostgreSQL database with one running session (AMA PRA, ANCC and ACPE designated,
the standard evaluation) and N signed-in learners, serves CE Ledger with gunicorn
(`config/gunicorn.conf.py`, DEBUG off, Redis for cache and sessions) and the outbox
worker, as in production. C concurrent clients then each take a learner the way a phone
would: the program page `/e/<ID>/`, "I'm here", the evaluation (page and answers), the
claim page and its submit, the certificate PDF, the transcript. Before the rush the same
server answers three baseline pages (no database, one INSERT, one SELECT), so every step
reads as a ratio to them, measured in the same run on the same machine.

Reports per step requests/s, p50/p95/p99, errors and queries per request (counted by the
server, `X-Queries`), checks the ledger (exactly one claim per learner), and writes
`bench/results/<date>.md`. A benchmark reports; it never fails on time.

    .venv/bin/python bench/closing_rush.py             # 300 learners, 16 clients
    .venv/bin/python bench/closing_rush.py --full      # 5,000 learners, 64 clients
    .venv/bin/python bench/closing_rush.py --by-step --learners 3000 --clients 32

`--by-step`: every learner takes a step before any takes the next, so each step runs alone
at C clients (what wrk measures of one path, the issue's table), with its own wall time,
req/s and the ratio of its req/s to the baseline's beside the ratios of time in the worker.
"""

import argparse
import datetime
import http.client
import multiprocessing
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/celedger_bench"
)
DB_NAME = urllib.parse.urlparse(DATABASE_URL).path.lstrip("/")
SERVER_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "LOG_LEVEL": "WARNING",
    "CELEDGER_BENCH_BASELINES": "1",
    # Certificates rendered during the run go to a scratch directory, not the work tree.
    "PRIVATE_MEDIA_ROOT": tempfile.mkdtemp(prefix="celedger-bench-private-"),
    "MEDIA_ROOT": tempfile.mkdtemp(prefix="celedger-bench-media-"),
}
BASELINES = {"hello (no DB)": "/bench/hello", "one INSERT": "/bench/insert"}
BASELINES["one SELECT"] = "/bench/select"
STEPS = [
    "program page",
    "I'm here POST",
    "evaluation GET",
    "evaluation POST",
    "claim page GET",
    "claim POST",
    "certificate PDF",
    "transcript",
]
# Which baseline each step is read against: reads against one SELECT, writes one INSERT.
COMPARED_WITH = {
    "I'm here POST": "one INSERT",
    "evaluation POST": "one INSERT",
    "claim POST": "one INSERT",
}
FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.I | re.S)
INPUT_RE = re.compile(r"<input\b[^>]*>", re.I)
TEXTAREA_RE = re.compile(r"<textarea\b([^>]*)>", re.I)
ATTR_RE = re.compile(r'([\w-]+)="([^"]*)"')


# --- Setting up -----------------------------------------------------------------------


def run(*args: str) -> None:
    subprocess.run(args, check=True, cwd=ROOT, env={**os.environ, **SERVER_ENV})


def reset_database() -> None:
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'], check=True)
    subprocess.run([*psql, f'CREATE DATABASE "{DB_NAME}"'], check=True)
    run(sys.executable, "manage.py", "migrate", "--no-input", "-v0")
    run(sys.executable, "manage.py", "collectstatic", "--no-input", "-v0")


def django_setup() -> None:
    os.environ.update(SERVER_ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


@dataclass(frozen=True)
class Seeded:
    event_id: str
    activity_pk: int
    session_keys: list[str]


def seed(learners: int) -> Seeded:
    """One running session and `learners` signed-in learners (sessions in Redis and the
    database, as a sign-in leaves them)."""
    django_setup()
    from decimal import Decimal
    from importlib import import_module

    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.cache import cache
    from django.utils import timezone

    from celedger.accounts.models import User
    from celedger.accreditation.models import Credential, CreditType, Specialty
    from celedger.activities.models import Activity, CreditDesignation, Session
    from celedger.evaluations.models import ActivityEvaluation, EvaluationForm
    from celedger.profiles.models import LearnerProfile
    from celedger.publishers.models import Publisher

    cache.clear()
    publisher = Publisher.objects.create(
        code="bench", name="Bench Health", contact_email="b@x.org"
    )
    today = timezone.localdate()
    activity = Activity.objects.create(
        publisher=publisher,
        title="Closing plenary",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=1),
        status=Activity.Status.PUBLISHED,
    )
    ActivityEvaluation.objects.create(
        activity=activity,
        mode=ActivityEvaluation.Mode.BUILTIN,
        form=EvaluationForm.objects.get(is_standard=True),
    )
    for code, uan in (("ama-pra-1", ""), ("ancc", ""), ("acpe-p", "0123-0000-26-001-L01-P")):
        CreditDesignation.objects.create(
            activity=activity,
            credit_type=CreditType.objects.get(code=code),
            max_hours=Decimal("1.50"),
            uan=uan,
        )
    now = timezone.now()
    session = Session.objects.create(
        activity=activity,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=3),
        event_id="BENCH2",
    )
    # A realistic mix: physicians, nurses, pharmacists with NABP data (one credit type each).
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
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for user in users:
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return Seeded(event_id=session.event_id, activity_pk=activity.pk, session_keys=keys)


# --- The clients ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    step: str
    seconds: float
    status: int
    queries: int
    error: str = ""
    # Inside the worker (X-Server-Ms, X-Cpu-Ms): no time queued for a free worker.
    server_ms: float = 0.0
    cpu_ms: float = 0.0


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    location: str
    queries: int
    server_ms: float
    cpu_ms: float


class Phone:
    """One learner's browser: its cookies, one connection per request (sync workers close
    it after each response anyway)."""

    def __init__(self, port: int, session_key: str = "") -> None:
        self.port = port
        self.cookies = {"sessionid": session_key} if session_key else {}

    def request(self, method: str, path: str, form: dict[str, Any] | None = None) -> Reply:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Reply(
            status=response.status,
            text=text,
            location=response.headers.get("Location", ""),
            queries=int(response.headers.get("X-Queries", "-1")),
            server_ms=float(response.headers.get("X-Server-Ms", "0")),
            cpu_ms=float(response.headers.get("X-Cpu-Ms", "0")),
        )


def form_fields(html: str, action_part: str | None) -> tuple[str, dict[str, Any]]:
    """The first POST form whose action contains `action_part` (None: the form posting to
    the page itself, not the header's sign-out): its action and what a learner would send
    (hidden values, the first choice of each radio group, a box ticked, text answered)."""
    for attrs_text, inner in FORM_RE.findall(html):
        attrs = dict(ATTR_RE.findall(attrs_text))
        action = attrs.get("action", "")
        if attrs.get("method", "get").lower() != "post":
            continue
        wanted = "action" not in attrs if action_part is None else action_part in action
        if not wanted:
            continue
        fields: dict[str, Any] = {}
        for tag in INPUT_RE.findall(inner):
            field = dict(ATTR_RE.findall(tag))
            name, kind = field.get("name"), field.get("type", "text")
            if not name or kind in {"search", "submit", "button"}:
                continue
            if kind in {"radio", "checkbox"}:
                fields.setdefault(name, field.get("value", "on"))
            elif kind in {"text", "email", "number"} and not field.get("value"):
                fields[name] = "Useful"
            else:
                fields[name] = field.get("value", "")
        for textarea in TEXTAREA_RE.findall(inner):
            name = dict(ATTR_RE.findall(textarea)).get("name")
            if name:
                fields.setdefault(name, "I will screen earlier.")
        return action, fields
    raise ValueError(f"no form posting to {action_part!r}")


def sample_of(step: str, seconds: float, reply: Reply) -> Sample:
    return Sample(
        step=step,
        seconds=seconds,
        status=reply.status,
        queries=reply.queries,
        server_ms=reply.server_ms,
        cpu_ms=reply.cpu_ms,
    )


@dataclass
class Learner:
    """One learner's browser and the form the last page gave it."""

    phone: Phone
    form: tuple[str, dict[str, Any]] = ("", {})


def take_step(name: str, learner: Learner, seeded: Seeded, record: Any) -> None:
    """One step of a learner's way from the QR code to the transcript; `record(sample)`."""
    e = seeded.event_id
    # Each step's method, path, and the form its answer holds for the next step: the one
    # posting to a path containing this text, None for the form posting to the page itself,
    # "" for none.
    method, path, parse = {
        "program page": ("GET", f"/e/{e}/", "/here/"),
        "I'm here POST": ("POST", "", ""),
        "evaluation GET": ("GET", f"/e/{e}/evaluate/", None),
        "evaluation POST": ("POST", f"/e/{e}/evaluate/", ""),
        "claim page GET": ("GET", f"/e/{e}/claim/", None),
        "claim POST": ("POST", f"/e/{e}/claim/", ""),
        "certificate PDF": ("GET", f"/certificates/activity/{seeded.activity_pk}/", ""),
        "transcript": ("GET", "/transcript/", ""),
    }[name]
    form = None
    if method == "POST":
        action, form = learner.form
        path = action or path
        if name == "claim POST":
            form.pop("event_id", None)
    started = time.perf_counter()
    reply = learner.phone.request(method, path, form)
    record(sample_of(name, time.perf_counter() - started, reply))
    want = 302 if method == "POST" else 200
    if reply.status != want:
        raise RuntimeError(f"{name}: HTTP {reply.status} (wanted {want}) {reply.location}")
    if parse != "":
        learner.form = form_fields(reply.text, parse)


def whole_way(phone: Phone, seeded: Seeded, record: Any) -> None:
    """One learner's way from the QR code to the transcript; `record(sample)` each step."""
    learner = Learner(phone)
    for name in STEPS:
        take_step(name, learner, seeded, record)


def _threads_then_send(client: Any, threads: int, samples: list[Sample], out: Any) -> None:
    """Runs `client` in `threads` threads, then sends what they sampled to the parent."""
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.send(samples)
    out.close()


def _client_process(port: int, seeded: Seeded, keys: list[str], threads: int, out: Any) -> None:
    """Runs `threads` clients over `keys` (the learners) and sends back every sample."""
    samples: list[Sample] = []
    lock = threading.Lock()
    pending = list(reversed(keys))

    def client() -> None:
        while True:
            with lock:
                if not pending:
                    return
                key = pending.pop()

            def record(sample: Sample) -> None:
                with lock:
                    samples.append(sample)

            try:
                whole_way(Phone(port, key), seeded, record)
            except Exception as error:  # every failure is counted and shown
                with lock:
                    samples.append(Sample("error", 0.0, 0, 0, repr(error)[:300]))

    _threads_then_send(client, threads, samples, out)


def _step_by_step_process(
    port: int, seeded: Seeded, keys: list[str], barrier: Any, threads: int, out: Any
) -> None:
    """`--by-step`: every learner takes one step before any takes the next, so each step
    is measured alone at the rush's concurrency (as wrk measures one path). The processes
    meet at `barrier` between steps; each sends its samples and, per step, when its
    threads started and finished it (`time.perf_counter` is the system's monotonic clock,
    the same in every process)."""
    samples: list[Sample] = []
    spans: dict[str, tuple[float, float]] = {}
    lock = threading.Lock()
    learners = [Learner(Phone(port, key)) for key in keys]
    failed: set[int] = set()

    def record(sample: Sample) -> None:
        with lock:
            samples.append(sample)

    for name in STEPS:
        # A sibling that died breaks the barrier (after a step's longest wait) instead of
        # leaving the others waiting for ever.
        barrier.wait(timeout=900)
        pending = [i for i in reversed(range(len(learners))) if i not in failed]

        def client(name: str = name, pending: list[int] = pending) -> None:
            while True:
                with lock:
                    if not pending:
                        return
                    index = pending.pop()
                try:
                    take_step(name, learners[index], seeded, record)
                except Exception as error:  # every failure is counted and shown
                    with lock:
                        failed.add(index)
                        samples.append(Sample("error", 0.0, 0, 0, repr(error)[:300]))

        started = time.perf_counter()
        workers = [threading.Thread(target=client) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        spans[name] = (started, time.perf_counter())
    out.send((samples, spans))
    out.close()


def _baseline_process(port: int, path: str, requests: int, threads: int, out: Any) -> None:
    samples: list[Sample] = []
    lock = threading.Lock()
    left = [requests]

    def client() -> None:
        phone = Phone(port)
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            started = time.perf_counter()
            try:
                reply = phone.request("GET", path)
                sample = sample_of(path, time.perf_counter() - started, reply)
            except OSError as problem:
                sample = Sample(path, time.perf_counter() - started, 0, 0, repr(problem))
            with lock:
                samples.append(sample)

    _threads_then_send(client, threads, samples, out)


def in_processes(
    target: Any, jobs: list[tuple[Any, ...]], clients: int
) -> tuple[list[Sample], float]:
    """Runs the clients in several processes (one Python process tops out near one core),
    `clients` threads in all; returns every sample and the wall time."""
    started = time.perf_counter()
    payloads = _gather(target, jobs, clients)
    return [sample for payload in payloads for sample in payload], time.perf_counter() - started


def _gather(target: Any, jobs: list[tuple[Any, ...]], clients: int) -> list[Any]:
    """Starts one process a job with its share of `clients` threads; what each sent back."""
    pipes, processes = [], []
    per_process = [
        clients // len(jobs) + (1 if i < clients % len(jobs) else 0) for i in range(len(jobs))
    ]
    for job, threads in zip(jobs, per_process, strict=True):
        receiver, sender = multiprocessing.Pipe(duplex=False)
        process = multiprocessing.Process(target=target, args=(*job, threads, sender))
        process.start()
        # The child's end only: a child that dies then ends `recv` (EOFError), not a hang.
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    payloads = [receiver.recv() for receiver in pipes]
    for process in processes:
        process.join()
    return payloads


def step_by_step(
    port: int, seeded: Seeded, chunks: list[list[str]], clients: int
) -> tuple[list[Sample], dict[str, float]]:
    """`--by-step`: every sample, and each step's wall time (its first start to its last
    finish across the processes)."""
    barrier = multiprocessing.Barrier(len(chunks))
    jobs = [(port, seeded, chunk, barrier) for chunk in chunks]
    payloads = _gather(_step_by_step_process, jobs, clients)
    samples = [sample for part, _ in payloads for sample in part]
    walls = {
        name: max(spans[name][1] for _, spans in payloads)
        - min(spans[name][0] for _, spans in payloads)
        for name in STEPS
    }
    return samples, walls


# --- Reporting ------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass(frozen=True)
class Row:
    name: str
    count: int
    per_second: float
    p50: float
    p95: float
    p99: float
    errors: int
    queries: str
    server_ms: float
    cpu_ms: float
    # The median beside the mean: a worker's first requests (or a busy moment) weigh on
    # the mean only.
    cpu_p50_ms: float = 0.0
    ratio: str = ""

    def capacity(self, workers: int) -> float:
        """Requests/s the sync workers could serve of this alone: each serves one at a time."""
        return workers * 1000 / self.server_ms if self.server_ms else 0.0


def summarize(name: str, samples: list[Sample], busy_seconds: float, ok: set[int]) -> Row:
    times = [s.seconds for s in samples]
    queries = sorted({s.queries for s in samples if s.queries >= 0})
    shown = "–" if not queries else "/".join(str(q) for q in queries[:3])
    return Row(
        name=name,
        count=len(samples),
        per_second=len(samples) / busy_seconds if busy_seconds else 0.0,
        p50=percentile(times, 50),
        p95=percentile(times, 95),
        p99=percentile(times, 99),
        errors=sum(1 for s in samples if s.status not in ok or s.error),
        queries=shown,
        server_ms=statistics.fmean(s.server_ms for s in samples) if samples else 0.0,
        cpu_ms=statistics.fmean(s.cpu_ms for s in samples) if samples else 0.0,
        cpu_p50_ms=statistics.median(s.cpu_ms for s in samples) if samples else 0.0,
    )


def certificate_mix(samples: list[Sample]) -> str:
    """How many downloads ran how many statements: the stored copy is the fewest (6 with
    sessions in Redis); a render in the request the most; between, a download that waited
    for the outbox worker's render of the same certificate (its lock) and sent that."""
    counts = Counter(s.queries for s in samples if s.queries >= 0)
    if not counts:
        return "Certificate downloads: none."
    mix = ", ".join(f"{n} statements × {c}" for n, c in sorted(counts.items()))
    return f"Certificate downloads by statements: {mix}."


def outbox_latency() -> str:
    """From a message's commit (its row's created_at, a few ms before) to its delivery,
    per kind: how soon the worker acts on a claim."""
    from celedger.core.models import OutboxMessage

    lines = []
    kinds = ("credits.claims_changed", "certificates.refresh_and_email")
    for kind in kinds:
        rows = OutboxMessage.objects.filter(kind=kind, delivered_at__isnull=False).values_list(
            "created_at", "delivered_at"
        )
        waits = sorted((done - made).total_seconds() * 1000 for made, done in rows)
        if waits:
            lines.append(
                f"`{kind}` {len(waits)} delivered, p50 {percentile(waits, 50):.0f} ms, "
                f"p95 {percentile(waits, 95):.0f} ms after recorded"
            )
    return "Outbox: " + ("; ".join(lines) if lines else "nothing delivered") + "."


def machine_lines() -> list[str]:
    def out(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    import django
    import gunicorn
    import psycopg
    import redis

    postgres = out("psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version")
    redis_server = out("redis-cli", "-u", SERVER_ENV["REDIS_URL"], "INFO", "server")
    redis_version = next(
        (
            ln.split(":", 1)[1]
            for ln in redis_server.splitlines()
            if ln.startswith("redis_version")
        ),
        "?",
    )
    load = os.getloadavg()
    return [
        f"- Machine: {platform.node()}, {os.cpu_count()} cores ({cpu}), "
        f"{int(memory) // 1024} MiB RAM, {platform.system()} {platform.release()}",
        f"- Load average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        "(the machine is shared: read ratios, not absolute times)",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"psycopg {psycopg.__version__}, gunicorn {gunicorn.__version__}, "
        f"redis-py {redis.__version__}",
        f"- PostgreSQL {postgres}, Redis {redis_version.strip()}",
    ]


def ledger_check(seeded: Seeded, learners: int) -> tuple[bool, str]:
    from django.db.models import Count

    from celedger.activities.models import Attendance
    from celedger.credits.models import Claim
    from celedger.evaluations.models import Response

    claims = Claim.objects.filter(session__event_id=seeded.event_id, status="active")
    per_learner = sorted(
        set(claims.values("learner").annotate(n=Count("id")).values_list("n", flat=True))
    )
    total = claims.count()
    attendances = Attendance.objects.filter(session__event_id=seeded.event_id).count()
    responses = Response.objects.filter(activity_id=seeded.activity_pk).count()
    ok = total == learners and per_learner == [1] and attendances == responses == learners
    text = (
        f"{total} active claims for {learners} learners (claims per learner: {per_learner}); "
        f"{attendances} check-ins, {responses} evaluations"
    )
    return ok, text


def table(rows: list[Row], workers: int) -> list[str]:
    lines = [
        "| path | requests | req/s | p50 ms | p95 ms | p99 ms | errors | queries "
        "| in worker ms | CPU ms | CPU p50 ms | capacity req/s | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- "
        "| ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.count:,} | {r.per_second:,.1f} | {r.p50 * 1000:.0f} | "
            f"{r.p95 * 1000:.0f} | {r.p99 * 1000:.0f} | {r.errors} | {r.queries} | "
            f"{r.server_ms:.1f} | {r.cpu_ms:.1f} | {r.cpu_p50_ms:.1f} | "
            f"{r.capacity(workers):,.0f} | {r.ratio} |"
        )
    return lines


def baselines(
    port: int, requests: int, clients: int, processes: int
) -> dict[str, tuple[list[Sample], float]]:
    """Each baseline page: a warm-up, then `requests` at `clients` clients (samples, wall)."""
    measured = {}
    for label, path in BASELINES.items():
        in_processes(_baseline_process, [(port, path, 200)], min(clients, 8))
        jobs = [(port, path, requests // processes)] * processes
        samples, wall = in_processes(_baseline_process, jobs, clients)
        measured[label] = (samples, wall)
        print(f"  baseline {label}: {len(samples) / wall:,.0f} req/s", flush=True)
    return measured


# --- Main -----------------------------------------------------------------------------


def start_server(port: int, workers: int) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, **SERVER_ENV, "WEB_CONCURRENCY": str(workers)}
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "config/gunicorn.conf.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "outbox_worker", "--interval", "0.5"], cwd=ROOT, env=env
    )
    for _ in range(150):
        try:
            if Phone(port).request("GET", "/healthz").status == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    return [gunicorn, worker]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="5,000 learners at 64 clients")
    parser.add_argument("--learners", type=int, default=0, help="default 300 (full: 5,000)")
    parser.add_argument("--clients", type=int, default=0, help="default 16 (full: 64)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    parser.add_argument(
        "--baseline-requests", type=int, default=0, help="default 20 × clients (full: 100 ×)"
    )
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument(
        "--by-step",
        action="store_true",
        help="every learner takes a step before any takes the next: each step alone",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--results", default=str(ROOT / "bench/results"))
    args = parser.parse_args()
    learners = args.learners or (5000 if args.full else 300)
    clients = args.clients or (64 if args.full else 16)
    baseline_requests = args.baseline_requests or 20 * clients * (5 if args.full else 1)
    processes = max(1, min(args.processes, clients))
    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]

    started_at = datetime.datetime.now(datetime.UTC)
    print(f"Seeding {learners} learners into {DB_NAME} …", flush=True)
    reset_database()
    t0 = time.perf_counter()
    seeded = seed(learners)
    print(f"  seeded in {time.perf_counter() - t0:.1f} s", flush=True)
    machine = machine_lines()

    servers = start_server(args.port, args.workers)
    try:
        # Before and after the rush: the machine is shared, its load drifts during a run.
        before = baselines(args.port, baseline_requests, clients, processes)
        chunks = [seeded.session_keys[i::processes] for i in range(processes)]
        print(
            f"Rush: {learners} learners, {clients} clients, {args.workers} workers …", flush=True
        )
        if args.by_step:
            samples, walls = step_by_step(args.port, seeded, chunks, clients)
            wall = sum(walls.values())
        else:
            samples, wall = in_processes(
                _client_process, [(args.port, seeded, chunk) for chunk in chunks], clients
            )
            walls = dict.fromkeys(STEPS, wall)
        after = baselines(args.port, baseline_requests, clients, processes)
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            process.wait(timeout=30)

    rows = []
    for label in BASELINES:
        spent = before[label][1] + after[label][1]
        rows.append(summarize(label, before[label][0] + after[label][0], spent, {200}))
    base = {r.name: r for r in rows}
    errors = [s for s in samples if s.step == "error"]
    by_step: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.step != "error":
            by_step[sample.step].append(sample)

    def ratio(row: Row, against: str) -> str:
        """By time in the worker, and by the worker's CPU time (steadier on a busy machine:
        it leaves out waiting for a core and for the database)."""
        other = base[against]
        if not row.server_ms or not row.cpu_ms:
            return "–"
        served = f"; req/s {row.per_second / other.per_second:.2f}" if args.by_step else ""
        return (
            f"{other.server_ms / row.server_ms:.2f} (CPU {other.cpu_ms / row.cpu_ms:.2f}"
            f"{served}) × {against}"
        )

    step_rows = []
    for name in STEPS:
        statuses = {302} if "POST" in name else {200}
        row = summarize(name, by_step.get(name, []), walls[name], statuses)
        step_rows.append(
            Row(**{**row.__dict__, "ratio": ratio(row, COMPARED_WITH.get(name, "one SELECT"))})
        )
    rows = [Row(**{**r.__dict__, "ratio": ratio(r, "one INSERT")}) for r in rows]
    hello = base["hello (no DB)"].per_second
    finished = [s for s in by_step.get("transcript", []) if s.status == 200]
    requests = sum(len(v) for v in by_step.values())
    ok, ledger = ledger_check(seeded, learners)
    verdict = "OK" if ok and not errors else "PROBLEM"
    flags = (" --full" if args.full else "") + (" --by-step" if args.by_step else "")
    span = "its own wall time" if args.by_step else "the rush's wall time"
    how_read = (
        [
            f"Every learner took each step before any took the next: each step ran alone at "
            f"{clients} clients, as wrk measures one path (the issue's table); the outbox "
            "worker rendered certificates while the later steps ran.",
            "",
        ]
        if args.by_step
        else []
    )

    lines = [
        f"# Closing rush, {started_at:%Y-%m-%d %H:%M} UTC",
        "",
        f"`bench/closing_rush.py{flags}`: {learners:,} learners, "
        f"{clients} clients in {processes} processes, gunicorn `config/gunicorn.conf.py` with "
        f"{args.workers} sync workers, the outbox worker beside it; PostgreSQL `{DB_NAME}`, "
        f"Redis `{SERVER_ENV['REDIS_URL']}` (cache and sessions); app, database and load on "
        "one machine.",
        "",
        *machine,
        "",
        "## Baselines (same server, same run, measured before and after the rush)",
        "",
        *table(rows, args.workers),
        "",
        f"## {'Step by step' if args.by_step else 'The whole way'}: {len(finished):,} "
        f"learners in {wall:.1f} s ({len(finished) / wall:.1f} learners/s, "
        f"{requests / wall:.0f} requests/s)",
        "",
        *how_read,
        f"Client-side: req/s (a step's requests over {span}: every learner does "
        "each step once), p50/p95/p99 (including the wait for a free worker). Server-side, "
        "from response headers: queries per request (`X-Queries`; the connection's health "
        "check is not among them), mean time inside the worker and its CPU time (mean and "
        "median). Capacity is "
        f"{args.workers} sync workers / time in the worker: what the server could serve of "
        "that page alone. The ratio compares it with a baseline, by time in the worker and (in "
        "brackets) by CPU time and, step by step, by requests a second: writes with the "
        "one-INSERT "
        f"view, reads with the one-SELECT view (the hello view answered {hello:,.0f} req/s).",
        "",
        *table(step_rows, args.workers),
        "",
        certificate_mix(by_step.get("certificate PDF", [])),
        outbox_latency(),
        "",
        f"Ledger after the run: {ledger}. Client errors: {len(errors)}. **{verdict}**",
    ]
    if errors:
        lines += ["", "First errors:", *[f"- `{e.error}`" for e in errors[:5]]]
    report = "\n".join(lines) + "\n"
    print(report)
    target = Path(args.results)
    target.mkdir(parents=True, exist_ok=True)
    name = f"{started_at:%Y-%m-%d}{flags.replace(' --', '-')}.md"
    (target / name).write_text(report)
    print(f"Written to {target / name}")
    # Wrong claims or failed requests are a problem; slowness is only reported.
    sys.exit(0 if verdict == "OK" else 1)


if __name__ == "__main__":
    main()
