"""List active credit above its maximum, for coordinators to correct: never changes it.

Claims recorded before the maximum became the activity's (issue 8) may exceed it: a
conference session claimed at the whole activity's maximum, or several sessions adding
up to more. Each line names the claims so a coordinator can correct or revoke them on
the claim page (`/console/<publisher>/claims/<id>/`), where the change is audited.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from celedger.credits.selectors import overclaims


class Command(BaseCommand):
    help = "List learners' active credit above an activity's or a session's maximum."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--publisher", default="", help="Only this publisher's code.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = overclaims(publisher_code=options["publisher"])
        for row in found:
            claims = ", ".join(
                f"/console/{row.publisher_code}/claims/{pk}/" for pk in row.claim_ids
            )
            self.stdout.write(
                f"{row.publisher_code}\t{row.activity_title}\t{row.learner_email}\t"
                f"{row.credit_type}\t{row.scope}\tclaimed {row.claimed:f} of {row.maximum:f}"
                f"\t{claims}"
            )
        self.stdout.write(f"{len(found)} over-maximum credit record(s); nothing was changed.")
