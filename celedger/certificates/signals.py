from typing import Any

from celedger.certificates.tasks import certificate_refresh_and_email


def on_claims_changed(sender: Any, *, learner_id: int, activity_id: int, **kwargs: Any) -> None:
    # Already after commit (credits sends it from on_commit): the task sees the claims.
    certificate_refresh_and_email.enqueue(learner_id, activity_id)
