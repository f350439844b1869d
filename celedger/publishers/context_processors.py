from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from celedger.publishers.models import StaffMembership, staff_nav_key

STAFF_NAV_SECONDS = 3600


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    """Whether the header links to the provider console. Every page asked the database
    (`user.memberships.exists`, issue 10); the answer is cached per user and dropped when
    a membership is saved or deleted (a receiver in publishers/models.py)."""
    # Error pages can render before (or without) the authentication middleware.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_publisher_staff": False}

    def is_staff() -> bool:
        # Called by the template only when it shows the header (not for htmx fragments).
        key = staff_nav_key(user.pk)
        answer = cache.get(key)
        if answer is None:
            answer = StaffMembership.objects.filter(user_id=user.pk).exists()
            cache.set(key, answer, STAFF_NAV_SECONDS)
        return bool(answer)

    return {"is_publisher_staff": is_staff}
