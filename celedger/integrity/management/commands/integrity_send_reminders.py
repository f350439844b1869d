from typing import Any

from django.core.management.base import BaseCommand

from celedger.integrity.services import reminders_send


class Command(BaseCommand):
    help = (
        "Email everyone whose disclosure expires within their publisher's reminder period "
        "and who still has a role in an activity that has not ended. Run daily; safe to rerun."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send()
        self.stdout.write(f"{sent} disclosure reminder(s) sent.")
