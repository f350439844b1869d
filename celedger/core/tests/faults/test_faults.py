"""Faults survived, with real processes (issue #9, "Done when"):

- the database stopped mid-load and restarted: every acknowledged claim is there, every
  certificate email goes out once, no page answers 500;
- an outbox worker killed mid-delivery: the message is delivered once, by the next worker;
- SMTP hanging, then refused, then back: pages keep answering at their usual speed and
  each email goes out once.
"""

import threading
import time
from collections import Counter
from typing import Any

import pytest

from celedger.core.tests.faults.conftest import (
    Browser,
    HangingSmtp,
    RecordingSmtp,
    Stack,
    get,
    seed,
    wait_for,
)

pytestmark = pytest.mark.fault


def claim_until_acknowledged(
    browser: Browser, event_id: str, designation: int, statuses: list[int], deadline: float
) -> bool:
    """What a learner does: open the claim page, submit, and on a 503 try again."""
    while time.monotonic() < deadline:
        try:
            page = browser.request(f"/e/{event_id}/claim/")
            statuses.append(page.status)
            if page.status != 200:
                time.sleep(0.3)
                continue
            sent = browser.request(
                f"/e/{event_id}/claim/",
                {
                    "csrfmiddlewaretoken": browser.form_token(page.body),
                    f"hours_{designation}": "1.50",
                    "attested": "on",
                },
            )
            statuses.append(sent.status)
            if sent.status == 302:
                return True
        except OSError:
            statuses.append(0)  # connection refused while gunicorn reconnects: retry
        time.sleep(0.3)
    return False


def outbox_drained(stack: Stack) -> bool:
    rows = stack.sql(
        "SELECT count(*) FROM core_outboxmessage WHERE status IN ('pending', 'delivering')"
    )
    return rows[0][0] == 0


def test_a_database_outage_mid_load_loses_nothing_and_answers_no_500(
    cluster: Any, stack: Stack
) -> None:
    data = seed(stack, 24)
    smtp = RecordingSmtp()
    try:
        stack.start_web()
        stack.start_worker()
        statuses: list[int] = []
        acknowledged: list[str] = []
        deadline = time.monotonic() + 150

        def learner(person: dict[str, str]) -> None:
            browser = Browser(person["session"])
            if claim_until_acknowledged(
                browser, data["event_id"], data["designation"], statuses, deadline
            ):
                acknowledged.append(person["email"])

        threads = [threading.Thread(target=learner, args=(p,)) for p in data["learners"]]
        for i, thread in enumerate(threads):
            thread.start()
            if i == 8:
                # Mid-load: the database goes away for a few seconds.
                wait_for(lambda: len(acknowledged) >= 4, timeout=60)
                cluster.stop()
                outage = [get("/e/" + data["event_id"] + "/").status for _ in range(3)]
                assert set(outage) == {503}, outage
                assert get("/healthz").status == 503
                assert get("/healthz/live").status == 200
                time.sleep(2)
                cluster.start()
        for thread in threads:
            thread.join()

        assert 500 not in statuses, Counter(statuses)
        assert 503 in statuses or len(acknowledged) == 24
        assert sorted(acknowledged) == sorted(p["email"] for p in data["learners"])
        claims = stack.sql(
            "SELECT u.email, count(*) FROM credits_claim c JOIN accounts_user u "
            "ON u.id = c.learner_id WHERE c.status = 'active' GROUP BY u.email"
        )
        assert dict(claims) == dict.fromkeys(acknowledged, 1)

        wait_for(lambda: outbox_drained(stack), timeout=120, every=0.5)
        for email in acknowledged:
            assert len(smtp.to(email)) == 1, email  # the certificate, exactly once
        failed = stack.sql("SELECT count(*) FROM core_outboxmessage WHERE status = 'failed'")
        assert failed == [(0,)]
    finally:
        smtp.close()


def reset_password(email: str) -> Any:
    browser = Browser()
    page = browser.request("/accounts/password/reset/")
    return browser.request(
        "/accounts/password/reset/",
        {"csrfmiddlewaretoken": browser.form_token(page.body), "email": email},
    )


def test_smtp_hanging_then_refused_then_back_and_a_worker_killed_mid_send(
    stack: Stack,
) -> None:
    data = seed(stack, 2)
    first, second = (p["email"] for p in data["learners"])
    hanging = HangingSmtp()
    stack.start_web()
    # EMAIL_TIMEOUT longer than the test: this worker hangs inside the SMTP conversation.
    stuck = stack.start_worker(EMAIL_TIMEOUT="120")

    answer = reset_password(first)
    assert answer.status == 302 and answer.seconds < 2, answer
    wait_for(
        lambda: (
            stack.sql("SELECT count(*) FROM core_outboxmessage WHERE status = 'delivering'")[0][0]
            == 1
        ),
        timeout=30,
    )
    # The worker is stuck on SMTP; the site does not notice.
    for path in ("/healthz", "/accounts/login/", "/"):
        page = get(path)
        assert page.status == 200 and page.seconds < 1.5, (path, page)
    answer = reset_password(second)
    assert answer.status == 302 and answer.seconds < 2, answer

    # Killed mid-send: its lease lapses and the next worker takes the message.
    stack.kill(stuck)
    hanging.close()
    stack.start_worker()  # SMTP now refuses connections: retried with backoff
    wait_for(
        lambda: (
            stack.sql(
                "SELECT count(*) FROM core_outboxmessage WHERE last_error LIKE '%%Refused%%'"
            )[0][0]
            >= 1
        ),
        timeout=30,
    )
    assert reset_password(first).status == 302  # still no 500 with SMTP refusing

    smtp = RecordingSmtp()
    try:
        wait_for(lambda: outbox_drained(stack), timeout=60, every=0.3)
        time.sleep(1)  # nothing else trickles in
        assert len(smtp.to(first)) == 2  # two resets asked, two emails, none doubled
        assert len(smtp.to(second)) == 1
        attempts = stack.sql(
            "SELECT max(attempts) FROM core_outboxmessage WHERE kind = 'core.email_awaited'"
        )[0][0]
        assert attempts >= 2  # the killed attempt, the refused one(s), the delivery
    finally:
        smtp.close()
