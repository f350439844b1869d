from typing import Any

from celedger.core.outbox import outbox_enqueue


def on_claims_changed(sender: Any, *, learner_id: int, activity_id: int, **kwargs: Any) -> None:
    # Runs inside the outbox delivery of credits.claims_changed: this message commits
    # with it, or both are retried.
    outbox_enqueue(
        kind="certificates.refresh_and_email",
        payload={"learner_id": learner_id, "activity_id": activity_id},
    )
