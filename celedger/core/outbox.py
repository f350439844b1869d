"""The durable outbox: side effects recorded with the write, delivered by a worker.

A service calls `outbox_enqueue(kind=..., payload=...)` inside the transaction that makes
the change, so the side effect exists exactly when the change does. Each app registers a
handler per kind in its `outbox.py` (found by `autodiscover`, like admin.py):

    @outbox_handler("certificates.refresh")
    def certificate_refresh(payload: dict[str, Any]) -> None: ...

`manage.py outbox_worker` delivers due messages: it takes a lease with one UPDATE whose
WHERE names the status and lease, runs the handler, and marks the message delivered with an
UPDATE that succeeds only while the lease is still its own. A handler that raises is retried
with exponential backoff; a worker that dies lets its lease expire and another worker (or
the restarted one) takes the message again. Handlers must therefore be safe to run twice
for the same message (they are, in practice, run once: the only window is between the
handler's success and the delivered UPDATE).

On PostgreSQL the worker is woken as soon as a message commits (`OutboxWakeup`: a trigger's
NOTIFY, migration core 0003) and takes `urgent` kinds (a learner's certificate) first.

Tests (and `OUTBOX_DELIVER_ON_COMMIT = True`) deliver each message right after the
writer's transaction commits, in-process, with the same lease and status transitions.
"""

import datetime
import logging
import os
import random
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from celedger.core.models import OutboxMessage
from celedger.core.rows import insert_instances

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
Handler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class _Registration:
    handler: Handler
    # A handler that only writes the database runs in one transaction with the messages
    # it enqueues; a long one (an export) commits as it goes and keeps its lease alive.
    atomic: bool
    # Taken before the others due at the same poll: what a learner waits for on the next
    # page (their certificate after a claim), not an email or an export.
    urgent: bool


_handlers: dict[str, _Registration] = {}


def outbox_handler(
    kind: str, *, atomic: bool = True, urgent: bool = False
) -> Callable[[Handler], Handler]:
    """Register the function that delivers messages of `kind` (one per kind); `urgent`
    kinds are delivered before the others that are due."""

    def register(handler: Handler) -> Handler:
        existing = _handlers.get(kind)
        if existing is not None and existing.handler is not handler:
            raise ValueError(f"An outbox handler for {kind!r} is already registered.")
        _handlers[kind] = _Registration(handler=handler, atomic=atomic, urgent=urgent)
        return handler

    return register


def autodiscover() -> None:
    """Import every installed app's `outbox` module so its handlers register."""
    autodiscover_modules("outbox")


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(_setting("OUTBOX_LEASE_SECONDS", 60)))


def _max_attempts() -> int:
    return int(_setting("OUTBOX_MAX_ATTEMPTS", 12))


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff with jitter: 2 s, 4 s, 8 s … capped at OUTBOX_MAX_BACKOFF."""
    base = float(_setting("OUTBOX_BACKOFF_SECONDS", 2))
    cap = float(_setting("OUTBOX_MAX_BACKOFF_SECONDS", 3600))
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return datetime.timedelta(seconds=delay * random.uniform(0.8, 1.2))


# Writing --------------------------------------------------------------------------------


def outbox_enqueue(*, kind: str, payload: dict[str, Any], dedupe_key: str = "") -> OutboxMessage:
    """Record a side effect; call inside the transaction that makes the change.

    With a `dedupe_key` already recorded, returns that message and records nothing.
    """
    message = OutboxMessage(
        kind=kind, payload=payload, dedupe_key=dedupe_key, next_attempt_at=timezone.now()
    )
    if dedupe_key:
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    else:
        insert_instances([message])
    if _setting("OUTBOX_DELIVER_ON_COMMIT", False):
        _deliver_after_commit(message.pk)
    return message


def outbox_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    from_email: str = "",
    headers: dict[str, str] | None = None,
    dedupe_key: str = "",
    awaited: bool = False,
) -> OutboxMessage:
    """Record a plain email (no attachments); the worker sends it through the mailer.

    `awaited`: someone is waiting at a screen for it (a sign-in code, an address
    confirmation, a password reset), so it goes before the others, certificates included,
    and never waits behind a closing rush's backlog."""
    return outbox_enqueue(
        kind=AWAITED_EMAIL if awaited else "core.email",
        payload={
            "to": list(to),
            "subject": safe_subject(subject),
            "body": body,
            "html": html,
            "from_email": from_email,
            "headers": headers or {},
        },
        dedupe_key=dedupe_key,
    )


def safe_subject(subject: str) -> str:
    """One line: a CR or LF in a subject (an activity title with a line break) would make
    Django refuse the email (BadHeaderError), so whitespace runs become one space."""
    return " ".join(str(subject).split())


def _in_app_transaction() -> bool:
    # A test's own wrapping transaction does not count: for the code under test the
    # write has committed when no atomic block of its own is open.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _deliver_after_commit(message_id: int) -> None:
    def deliver() -> None:
        outbox_deliver(message_id=message_id, worker_id="inline")

    if _in_app_transaction():
        transaction.on_commit(deliver)
    else:
        deliver()


# Delivering -----------------------------------------------------------------------------


def _due(now: datetime.datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.DELIVERING, locked_until__lt=now
    )


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _claim(message_id: int, worker_id: str) -> bool:
    now = timezone.now()
    taken = OutboxMessage.objects.filter(_due(now), pk=message_id).update(
        status=Status.DELIVERING,
        locked_by=worker_id,
        locked_until=now + _lease(),
        attempts=F("attempts") + 1,
    )
    return taken == 1


def _mine(message_id: int, worker_id: str) -> Any:
    return OutboxMessage.objects.filter(
        pk=message_id, status=Status.DELIVERING, locked_by=worker_id
    )


class _Heartbeat:
    """Renews a lease while a long handler runs, from its own thread and connection."""

    def __init__(self, message_id: int, worker_id: str) -> None:
        self.message_id, self.worker_id = message_id, worker_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="outbox-heartbeat")

    def _run(self) -> None:
        from django.db import connections

        interval = max(0.2, _lease().total_seconds() / 3)
        try:
            while not self.stop.wait(interval):
                try:
                    _mine(self.message_id, self.worker_id).update(
                        locked_until=timezone.now() + _lease()
                    )
                except Exception:
                    logger.warning("outbox lease renewal failed for %s", self.message_id)
        finally:
            connections.close_all()

    def __enter__(self) -> "_Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def outbox_deliver(*, message_id: int, worker_id: str) -> bool:
    """Take the message's lease and run its handler; True when it was delivered now."""
    if not _claim(message_id, worker_id):
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    registration = _handlers.get(message.kind)
    try:
        if registration is None:
            raise LookupError(f"No outbox handler is registered for {message.kind!r}.")
        if registration.atomic:
            with transaction.atomic():
                registration.handler(message.payload)
                delivered = _mark_delivered(message_id, worker_id)
            return delivered
        with _Heartbeat(message_id, worker_id):
            registration.handler(message.payload)
        return _mark_delivered(message_id, worker_id)
    except Exception as exc:
        if _is_database_outage(exc):
            # The lease lapses and the message is taken again once the database is back.
            raise
        logger.exception("outbox message %s (%s) failed", message_id, message.kind)
        _mark_failed_attempt(message, worker_id, exc)
        return False


def _mark_delivered(message_id: int, worker_id: str) -> bool:
    return (
        _mine(message_id, worker_id).update(
            status=Status.DELIVERED,
            delivered_at=timezone.now(),
            locked_until=None,
            last_error="",
        )
        == 1
    )


def _mark_failed_attempt(message: OutboxMessage, worker_id: str, exc: BaseException) -> None:
    message.refresh_from_db(fields=["attempts"])
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
    if message.attempts >= _max_attempts():
        _mine(message.pk, worker_id).update(
            status=Status.FAILED, locked_until=None, last_error=error
        )
        return
    _mine(message.pk, worker_id).update(
        status=Status.PENDING,
        locked_until=None,
        last_error=error,
        next_attempt_at=timezone.now() + retry_delay(message.attempts),
    )


def _is_database_outage(exc: BaseException) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def outbox_deliver_pending(
    *,
    worker_id: str = "inline",
    limit: int = 100,
    interrupted: Callable[[], bool] = lambda: False,
) -> int:
    """Deliver up to `limit` due messages, urgent kinds first, then oldest first; returns
    how many were delivered. Before each message that is not urgent, `interrupted()` may
    end the batch early (the worker's: something new committed, maybe urgent), so a new
    certificate never waits behind a batch of emails."""
    delivered = 0
    urgent = sorted(kind for kind, registration in _handlers.items() if registration.urgent)
    due = list(
        OutboxMessage.objects.filter(_due(timezone.now()))
        .order_by(
            Case(When(kind__in=urgent, then=Value(0)), default=Value(1)),
            "next_attempt_at",
            "id",
        )
        .values_list("id", "kind")[:limit]
    )
    for message_id, kind in due:
        if delivered and kind not in urgent and interrupted():
            break
        if outbox_deliver(message_id=message_id, worker_id=worker_id):
            delivered += 1
    return delivered


CHANNEL = "celedger_outbox"


class OutboxWakeup:
    """What the worker waits on between polls: on PostgreSQL, the `celedger_outbox`
    notification that a trigger sends when a message commits (migration core 0003), on a
    connection of its own that only listens; elsewhere (SQLite), the poll interval.

    `listen()` before each poll, `wait(timeout)` after an empty one: a message committed
    between the two is then already queued on the listening connection, never missed. A
    lost connection falls back to the interval until `listen()` connects again."""

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self._listener: Any = None

    def listen(self) -> bool:
        """Start (or keep) listening; False where there is nothing to listen to."""
        from django.db import connections

        database = connections[self.using]
        if database.vendor != "postgresql":
            return False
        if self._listener is None:
            try:
                import psycopg

                # Straight from psycopg: never one of a pool's connections, and nothing
                # of Django's connection state touched.
                params = database.get_connection_params()
                params.pop("cursor_factory", None)
                listener = psycopg.connect(**params, autocommit=True)
                listener.execute(f"LISTEN {CHANNEL}")
            except Exception as exc:
                logger.warning("outbox wake-up: cannot listen (%s)", type(exc).__name__)
                return False
            self._listener = listener
        return True

    def wait(self, timeout: float, *, stopping: Callable[[], bool] = lambda: False) -> bool:
        """Until a message commits (True) or `timeout` seconds pass (False)."""
        if self._listener is None:
            deadline = time.monotonic() + timeout
            while not stopping() and time.monotonic() < deadline:
                time.sleep(min(0.1, timeout))
            return False
        try:
            woken = any(True for _ in self._listener.notifies(timeout=timeout, stop_after=1))
            # Several commits since the last poll wake one poll, not one each.
            for _ in self._listener.notifies(timeout=0):
                pass
        except Exception as exc:
            logger.warning("outbox wake-up: listening failed (%s)", type(exc).__name__)
            self.close()
            return False
        return woken

    def notified(self) -> bool:
        """Whether a message committed since the last wait or check (without waiting)."""
        if self._listener is None:
            return False
        try:
            return any(True for _ in self._listener.notifies(timeout=0))
        except Exception as exc:
            logger.warning("outbox wake-up: listening failed (%s)", type(exc).__name__)
            self.close()
            return False

    def close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None


def outbox_retry(*, message_ids: list[int]) -> int:
    """Make failed messages due again now (the admin's "Retry now")."""
    return OutboxMessage.objects.filter(pk__in=message_ids, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )


# Hourly chores the worker runs beside pruning its own messages (an app registers them in
# its `ready()`): removing what is kept only for a while, such as built transcript PDFs.
_housekeeping: list[Callable[[], object]] = []


def outbox_housekeeping(chore: Callable[[], object]) -> Callable[[], object]:
    """Register a chore for the outbox worker to run every hour."""
    if chore not in _housekeeping:
        _housekeeping.append(chore)
    return chore


def outbox_housekeeping_run() -> None:
    """Run every registered chore; one that fails is logged and the others still run (a
    database outage is raised, as anywhere in the worker)."""
    for chore in _housekeeping:
        try:
            chore()
        except Exception as exc:
            if _is_database_outage(exc):
                raise
            logger.exception("outbox housekeeping %s failed", getattr(chore, "__name__", chore))


def outbox_prune(*, older_than: datetime.timedelta) -> int:
    """Delete delivered messages older than `older_than`; returns how many."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxMessage.objects.filter(
        status=Status.DELIVERED, delivered_at__lt=cutoff
    ).delete()
    return deleted


# The built-in kind: a plain email -----------------------------------------------------------


AWAITED_EMAIL = "core.email_awaited"


@outbox_handler(AWAITED_EMAIL, urgent=True)
@outbox_handler("core.email")
def _send_email(payload: dict[str, Any]) -> None:
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(
        subject=safe_subject(payload["subject"]),
        body=payload["body"],
        from_email=payload.get("from_email") or None,
        to=payload["to"],
        headers=payload.get("headers") or None,
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    message.send()
