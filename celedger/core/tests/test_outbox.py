"""The outbox: recorded with the write, delivered once, retried with backoff, leases lapse."""

import datetime
import signal
import threading
import time
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from celedger.core import outbox
from celedger.core.models import OutboxMessage
from celedger.core.outbox import (
    outbox_deliver,
    outbox_deliver_pending,
    outbox_email,
    outbox_enqueue,
    outbox_handler,
    outbox_retry,
)

pytestmark = pytest.mark.django_db

calls: list[dict[str, Any]] = []


@outbox_handler("tests.record")
def _record(payload: dict[str, Any]) -> None:
    if payload.get("fail"):
        raise ConnectionRefusedError("smtp down")
    calls.append(payload)


@pytest.fixture(autouse=True)
def _worker_mode(settings: Any) -> None:
    settings.OUTBOX_DELIVER_ON_COMMIT = False
    calls.clear()


def test_it_records_nothing_when_the_writer_rolls_back() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(kind="tests.record", payload={"n": 1})
        raise RuntimeError("the write failed")
    assert OutboxMessage.objects.count() == 0


def test_it_delivers_each_message_once() -> None:
    message = outbox_enqueue(kind="tests.record", payload={"n": 1})
    assert outbox_deliver_pending(worker_id="a") == 1
    assert outbox_deliver_pending(worker_id="b") == 0
    assert not outbox_deliver(message_id=message.pk, worker_id="c")
    assert calls == [{"n": 1}]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.locked_until) == ("delivered", 1, None)
    assert message.delivered_at is not None


def test_it_dedupes_by_key() -> None:
    first = outbox_enqueue(kind="tests.record", payload={"n": 1}, dedupe_key="k1")
    again = outbox_enqueue(kind="tests.record", payload={"n": 2}, dedupe_key="k1")
    assert again.pk == first.pk and OutboxMessage.objects.count() == 1
    outbox_enqueue(kind="tests.record", payload={"n": 3})
    outbox_enqueue(kind="tests.record", payload={"n": 4})  # no key: never deduped
    assert OutboxMessage.objects.count() == 3


def test_it_retries_a_failing_handler_with_growing_backoff(settings: Any) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = outbox_enqueue(kind="tests.record", payload={"fail": True})
    delays = []
    for _ in range(2):
        assert outbox_deliver_pending() == 0
        message.refresh_from_db()
        assert message.status == "pending" and "smtp down" in message.last_error
        delays.append((message.next_attempt_at - timezone.now()).total_seconds())
        assert outbox_deliver_pending() == 0  # not due yet: nothing happens
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert 1 < delays[0] < 3 and 3 < delays[1] < 5
    outbox_deliver_pending()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)

    # The admin's "Retry now", with SMTP back.
    OutboxMessage.objects.filter(pk=message.pk).update(payload={"n": 9})
    assert outbox_retry(message_ids=[message.pk]) == 1
    assert outbox_deliver_pending() == 1
    assert calls == [{"n": 9}]


def test_it_takes_over_a_message_whose_lease_lapsed() -> None:
    message = outbox_enqueue(kind="tests.record", payload={"n": 1})
    now = timezone.now()
    # A worker took it and was killed; until its lease lapses, nobody else may take it.
    OutboxMessage.objects.filter(pk=message.pk).update(
        status="delivering", locked_by="dead", locked_until=now + datetime.timedelta(seconds=30)
    )
    assert outbox_deliver_pending(worker_id="alive") == 0
    OutboxMessage.objects.filter(pk=message.pk).update(
        locked_until=now - datetime.timedelta(seconds=1)
    )
    assert outbox_deliver_pending(worker_id="alive") == 1
    assert calls == [{"n": 1}]


def test_a_worker_whose_lease_was_taken_over_cannot_mark_it_delivered() -> None:
    message = outbox_enqueue(kind="tests.record", payload={"n": 1})
    assert outbox._claim(message.pk, "slow")
    OutboxMessage.objects.filter(pk=message.pk).update(locked_by="other")
    assert not outbox._mark_delivered(message.pk, "slow")
    message.refresh_from_db()
    assert message.status == "delivering"


def test_an_unknown_kind_waits_for_its_handler() -> None:
    message = outbox_enqueue(kind="tests.nobody", payload={})
    assert outbox_deliver_pending() == 0
    message.refresh_from_db()
    assert message.status == "pending" and "No outbox handler" in message.last_error


def test_it_sends_a_plain_email_with_a_one_line_subject() -> None:
    outbox_email(
        to=["ana@example.org"],
        subject="Your certificate: Sepsis\r\nBcc: everyone@example.org",
        body="Hello",
        html="<p>Hello</p>",
    )
    assert mail.outbox == []
    assert outbox_deliver_pending() == 1
    (sent,) = mail.outbox
    assert sent.subject == "Your certificate: Sepsis Bcc: everyone@example.org"
    assert sent.to == ["ana@example.org"] and sent.alternatives[0][1] == "text/html"


def test_in_tests_it_delivers_after_commit(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OUTBOX_DELIVER_ON_COMMIT = True
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        outbox_enqueue(kind="tests.record", payload={"n": 1})
    assert calls == []
    for callback in callbacks:
        callback()
    assert calls == [{"n": 1}]


def test_the_worker_command_delivers_and_survives_a_database_outage(monkeypatch: Any) -> None:
    from django.core.management import call_command
    from django.db import OperationalError

    from celedger.core.management.commands import outbox_worker

    outbox_enqueue(kind="tests.record", payload={"n": 1})
    real = outbox_worker.outbox_deliver_pending
    polls: list[str] = []

    def flaky(**kwargs: Any) -> int:
        polls.append("poll")
        if len(polls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(outbox_worker, "outbox_deliver_pending", flaky)
    # Inside the test's transaction the worker must keep its connection: closing it (as it
    # rightly does in production) would leave PostgreSQL's test transaction unusable.
    monkeypatch.setattr(outbox_worker.connections, "close_all", lambda: None)
    monkeypatch.setattr(outbox_worker, "close_old_connections", lambda: None)
    call_command("outbox_worker", "--once", "--interval", "0.01")
    assert polls == ["poll", "poll"] and calls == [{"n": 1}]


@outbox_handler("tests.urgent", urgent=True)
def _record_urgent(payload: dict[str, Any]) -> None:
    calls.append(payload)


def test_urgent_kinds_are_delivered_before_older_messages() -> None:
    # An email and an export queued first; the certificate the learner waits for goes first.
    outbox_enqueue(kind="tests.record", payload={"n": "email"})
    outbox_enqueue(kind="tests.record", payload={"n": "export"})
    outbox_enqueue(kind="tests.urgent", payload={"n": "certificate"})
    assert outbox_deliver_pending(limit=1) == 1
    assert calls == [{"n": "certificate"}]
    assert outbox_deliver_pending() == 2
    assert calls[1:] == [{"n": "email"}, {"n": "export"}]


def test_without_notifications_the_wakeup_waits_the_interval(monkeypatch: Any) -> None:
    wakeup = outbox.OutboxWakeup()
    monkeypatch.setattr(wakeup, "listen", lambda: False)  # as on SQLite
    started = time.monotonic()
    assert not wakeup.wait(0.3)
    assert time.monotonic() - started >= 0.3


_woken_at: list[float] = []
_woken_worker: list[Any] = []


@outbox_handler("tests.woken")
def _woken(payload: dict[str, Any]) -> None:
    _woken_at.append(time.monotonic())
    _woken_worker[0].stopping = True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_a_committed_message_without_waiting_a_poll() -> None:
    from django.core.management import call_command

    committed: list[float] = []
    delivered = _woken_at
    delivered.clear()
    worker = _woken_worker

    def writer() -> None:
        time.sleep(0.5)  # the worker has polled once, found nothing and waits
        with transaction.atomic():
            outbox_enqueue(kind="tests.woken", payload={})
        committed.append(time.monotonic())
        connection.close()

    from celedger.core.management.commands.outbox_worker import Command

    command = Command()
    worker[:] = [command]
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        # A 20 s poll: only the notification can deliver it within the assertion below.
        call_command(command, "--interval", "20")
    finally:
        thread.join()
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])
    assert delivered and delivered[0] - committed[0] < 2.0
    assert OutboxMessage.objects.get(kind="tests.woken").status == "delivered"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_wakes_no_one_and_a_lost_listener_falls_back() -> None:
    wakeup = outbox.OutboxWakeup()
    assert wakeup.listen()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(kind="tests.record", payload={"n": 1})
        raise RuntimeError("the write failed")
    assert not wakeup.wait(0.3)
    outbox_enqueue(kind="tests.record", payload={"n": 2})  # autocommit: committed
    assert wakeup.wait(5)
    assert not wakeup.notified()  # that one was taken by the wait
    outbox_enqueue(kind="tests.record", payload={"n": 3})
    deadline = time.monotonic() + 5
    while not wakeup.notified():
        assert time.monotonic() < deadline, "no notification for a committed message"
        time.sleep(0.05)
    # The database drops the listening connection (a restart): waiting falls back to the
    # interval instead of failing, and the next listen() connects again.
    wakeup._listener.close()
    assert not wakeup.wait(0.1)
    assert wakeup.listen() and wakeup._listener is not None
    wakeup.close()


def test_a_batch_stops_before_slower_work_when_something_new_committed() -> None:
    outbox_enqueue(kind="tests.urgent", payload={"n": "certificate 1"})
    outbox_enqueue(kind="tests.urgent", payload={"n": "certificate 2"})
    outbox_enqueue(kind="tests.record", payload={"n": "email"})
    outbox_enqueue(kind="tests.record", payload={"n": "export"})
    asked: list[int] = []

    def interrupted() -> bool:
        asked.append(len(calls))
        return True  # e.g. another learner just claimed

    # Urgent messages in hand are finished; the batch ends before the email.
    assert outbox_deliver_pending(interrupted=interrupted) == 2
    assert calls == [{"n": "certificate 1"}, {"n": "certificate 2"}] and asked == [2]
    assert outbox_deliver_pending(interrupted=lambda: False) == 2
    assert calls[2:] == [{"n": "email"}, {"n": "export"}]
