"""Deliver the outbox: `manage.py outbox_worker` (run it beside the web server).

On PostgreSQL it wakes as soon as a message commits (LISTEN/NOTIFY, `OutboxWakeup`), so a
certificate is rendered before the learner who just claimed asks for it; `--interval`
is then only how often it looks anyway (retries coming due, a lost notification). On
SQLite it polls every `--interval`."""

import datetime
import logging
import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import Error as DatabaseError
from django.db import close_old_connections, connections

from celedger.core.outbox import (
    OutboxWakeup,
    default_worker_id,
    outbox_deliver_pending,
    outbox_housekeeping_run,
    outbox_prune,
)

logger = logging.getLogger("celedger.core.outbox")


class Command(BaseCommand):
    help = "Deliver outbox messages (emails, certificate renders, exports) with retries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls at most"
        )
        parser.add_argument("--batch", type=int, default=50, help="messages per poll")
        parser.add_argument("--once", action="store_true", help="deliver what is due, then exit")
        parser.add_argument(
            "--keep-days", type=int, default=30, help="delete delivered messages after this"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        worker_id = default_worker_id()
        interval: float = options["interval"]
        outage_wait = interval
        last_prune = float("-inf")  # prune at start: monotonic() may be under an hour
        wakeup = OutboxWakeup()
        logger.info("outbox worker %s started", worker_id)
        while not self.stopping:
            try:
                close_old_connections()
                if not options["once"]:
                    wakeup.listen()
                delivered = outbox_deliver_pending(
                    worker_id=worker_id, limit=options["batch"], interrupted=wakeup.notified
                )
                if time.monotonic() - last_prune > 3600:
                    outbox_prune(older_than=datetime.timedelta(days=options["keep_days"]))
                    outbox_housekeeping_run()
                    last_prune = time.monotonic()
                if outage_wait > interval:
                    logger.warning("outbox worker %s: the database is back", worker_id)
                outage_wait = interval
            except DatabaseError as exc:
                # The database went away: drop the broken connection, wait, try again.
                # Leases we held lapse, so nothing is lost and nothing is sent twice.
                logger.warning(
                    "outbox worker %s: database unavailable (%s); retrying in %.0fs",
                    worker_id,
                    type(exc).__name__,
                    outage_wait,
                )
                connections.close_all()
                wakeup.close()
                self._sleep(outage_wait)
                outage_wait = min(30.0, outage_wait * 2)
                continue
            if options["once"]:
                break
            if delivered == 0:
                wakeup.wait(interval, stopping=lambda: self.stopping)
        wakeup.close()
        connections.close_all()
        logger.info("outbox worker %s stopped", worker_id)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        # Finish the message in hand, then leave.
        self.stopping = True

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, seconds))
