"""The publish gate (Standard 3.4: mitigate before people take their roles), registered in
activities' publish checks by IntegrityConfig.ready()."""

from celedger.activities.models import Activity
from celedger.integrity.selectors import activity_integrity


def publish_check(activity: Activity) -> list[str]:
    """Why `activity` may not be published yet; empty when it may (or an override stands)."""
    if activity.pk is None:
        return []
    state = activity_integrity(activity=activity)
    if state.may_publish:
        return []
    return [
        *state.problems,
        "Record the missing disclosures and mitigations on the activity's Integrity page, "
        "or record an override with its reason there.",
    ]
