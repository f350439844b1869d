"""Template hooks that activities' and evaluations' templates load, so those apps show
integrity information without importing this app in Python."""

from typing import Any

from django import template

from celedger.activities.models import Activity, Session
from celedger.integrity.selectors import (
    ActivityIntegrity,
    integrity_for_activities,
    learner_disclosure,
)

register = template.Library()


@register.inclusion_tag("integrity/_learner_disclosure.html")
def learner_disclosure_for(activity: Activity, session: Session | None = None) -> dict[str, Any]:
    """Standard 3.5 / 4 disclosure shown to learners before the content."""
    return {"disclosure": learner_disclosure(activity=activity, session=session)}


@register.simple_tag
def integrity_states(activities: list[Activity]) -> dict[int, ActivityIntegrity]:
    """Every listed activity's integrity state in a fixed number of queries."""
    return integrity_for_activities(activities=activities)


@register.inclusion_tag("integrity/_badge.html")
def integrity_badge(
    states: dict[int, ActivityIntegrity], activity: Activity, code: str
) -> dict[str, Any]:
    return {"state": states.get(activity.pk), "activity": activity, "code": code}
