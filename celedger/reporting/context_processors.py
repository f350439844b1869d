from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from celedger.reporting.selectors import learner_fixes


def reporting_reminders(request: HttpRequest) -> dict[str, Any]:
    """The learner's records that need them, read only if the layout asks (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"reporting_fixes": SimpleLazyObject(lambda: learner_fixes(user=user))}
