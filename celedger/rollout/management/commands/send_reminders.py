"""Send the reminders due now. Safe to run every hour (cron, systemd timer, `make run`):
each (learner, session, kind) is emailed once, recorded by a unique row."""

from typing import Any

from django.core.management.base import BaseCommand

from celedger.rollout.services import reminders_send


class Command(BaseCommand):
    help = (
        "Email claim reminders (before the claim window closes) and reminders of reporting "
        "records held for the learner's data."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = reminders_send()
        self.stdout.write(
            f"claim reminders: {run.claim_emails} email(s); "
            f"held reporting records: {run.held_emails} email(s)"
        )
