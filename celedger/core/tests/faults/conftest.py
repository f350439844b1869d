"""The fault suite's machinery: a throwaway PostgreSQL cluster, gunicorn, outbox workers
and SMTP servers, each a real process on 127.0.0.1, all removed afterwards.

Ports: PostgreSQL 25432, web 8102, SMTP 8125, all below Linux's ephemeral range (32768 and
up): a port in it can be held by any outgoing connection's local end, and the cluster then
fails to start (55432 did, once, beside the suite's own connections to PostgreSQL).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[4]
PG_PORT, WEB_PORT, SMTP_PORT = 25432, 8102, 8125
PG_BIN = os.environ.get("PG_BIN", "")


def _pg(tool: str) -> str:
    found = shutil.which(tool, path=PG_BIN or None) or shutil.which(tool)
    if not found:
        pytest.skip(f"{tool} (PostgreSQL server) is not installed")
    return found


def _as_postgres(*args: str) -> list[str]:
    # initdb refuses to run as root (NOTES.md).
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return list(args)


@dataclass
class Cluster:
    data: Path
    log: Path

    def ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres(_pg("pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=60,
        )

    def start(self) -> None:
        self.ctl("-o", f"-p {PG_PORT} -k {self.data} -c listen_addresses=127.0.0.1", "-w", "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "-w", "stop")

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{PG_PORT}/{db}"


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if os.geteuid() == 0 and subprocess.run(["id", "postgres"], capture_output=True).returncode:
        pytest.skip("no postgres user to run initdb as")
    tmp = Path(tempfile.mkdtemp(prefix="celedger-faults-"))
    data = tmp / "pg"
    data.mkdir()
    os.chmod(tmp, 0o755)
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    subprocess.run(
        _as_postgres(_pg("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"),
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )
    log = tmp / "pg.log"
    log.touch()
    if os.geteuid() == 0:
        shutil.chown(log, "postgres")
    pg = Cluster(data=data, log=log)
    pg.start()
    try:
        yield pg
    finally:
        try:
            pg.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@dataclass
class Stack:
    """One database on the cluster, migrated and seeded, plus the processes under test."""

    env: dict[str, str]
    tmp: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_web(self) -> subprocess.Popen[bytes]:
        proc = self._spawn(
            ".venv/bin/gunicorn",
            "-c",
            "config/gunicorn.conf.py",
            "config.wsgi",
            extra={"BIND": f"127.0.0.1:{WEB_PORT}", "WEB_CONCURRENCY": "3"},
            log="web.log",
        )
        wait_for(lambda: get("/healthz/live").status == 200, timeout=60)
        return proc

    def start_worker(self, **extra: str) -> subprocess.Popen[bytes]:
        return self._spawn(
            sys.executable,
            "manage.py",
            "outbox_worker",
            "--interval",
            "0.2",
            extra=extra,
            log="worker.log",
        )

    def _spawn(self, *cmd: str, extra: dict[str, str], log: str) -> subprocess.Popen[bytes]:
        out = open(self.tmp / log, "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            list(cmd),
            cwd=ROOT,
            env={**self.env, **extra},
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=30)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"], connect_timeout=5) as conn:
            return list(conn.execute(query, params).fetchall())


@pytest.fixture
def stack(cluster: Cluster, tmp_path: Path) -> Iterator[Stack]:
    name = f"faults_{int(time.time() * 1000) % 10_000_000}"
    subprocess.run(
        [
            _pg("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(PG_PORT),
            "-U",
            "postgres",
            "-c",
            f"CREATE DATABASE {name}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=60,
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": cluster.url(name),
        "DEBUG": "true",
        "SECRET_KEY": "fault-suite-secret-key-0123456789abcdef0123456789",
        "SITE_URL": f"http://127.0.0.1:{WEB_PORT}",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
        "EMAIL_TIMEOUT": "3",
        "OUTBOX_BACKOFF_SECONDS": "0.3",
        "OUTBOX_MAX_BACKOFF_SECONDS": "1",
        "OUTBOX_LEASE_SECONDS": "4",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    manage(env, "migrate", "--no-input", "-v0")
    made = Stack(env=env, tmp=tmp_path)
    try:
        yield made
    finally:
        for proc in made.procs:
            made.kill(proc)


def wait_for(check: Any, *, timeout: float, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {check}")
        time.sleep(every)


# HTTP ----------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: str
    seconds: float
    location: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """A cookie-keeping client (urllib) that does not follow redirects."""

    def __init__(self, session_key: str = "") -> None:
        self.jar = CookieJar()
        if session_key:
            self.jar.set_cookie(_cookie("sessionid", session_key))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(
        self, path: str, data: dict[str, str] | None = None, timeout: float = 30
    ) -> Answer:
        url = f"http://127.0.0.1:{WEB_PORT}{path}"
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.monotonic()
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=timeout) as r:
                return Answer(r.status, r.read().decode(), time.monotonic() - started)
        except urllib.error.HTTPError as error:
            return Answer(
                error.code,
                error.read().decode(errors="replace"),
                time.monotonic() - started,
                error.headers.get("Location", ""),
            )

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken") or ""

    def form_token(self, html: str) -> str:
        import re

        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return found.group(1) if found else self.csrf()


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0,
        name,
        value,
        None,
        False,
        "127.0.0.1",
        False,
        False,
        "/",
        True,
        False,
        None,
        False,
        None,
        None,
        {},
    )


def get(path: str, timeout: float = 10) -> Answer:
    return Browser().request(path, timeout=timeout)


# SMTP ----------------------------------------------------------------------------------


class HangingSmtp:
    """Accepts connections and never says a word (an SMTP server that hangs)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", SMTP_PORT))
        self.sock.listen(16)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


class RecordingSmtp:
    """A real SMTP server (aiosmtpd) keeping every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                outer.messages.append(envelope)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=SMTP_PORT)
        self.controller.start()

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def close(self) -> None:
        self.controller.stop()


def seed(stack: Stack, learners: int) -> dict[str, Any]:
    out = manage(
        stack.env,
        "shell",
        "-c",
        f"from celedger.core.tests.faults.seed import run; run({learners})",
    )
    return dict(json.loads(out.strip().splitlines()[-1]))
