from typing import Any

from django.http import HttpRequest

from celedger.core.cache import cached_found
from celedger.publishers.models import StaffMembership, staff_nav_key


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    """Whether the header links to the provider console. Every page asked the database
    (`user.memberships.exists`, issue 10); the answer is cached per user (`cached_found`:
    a warm page reads it from the process's own copy, no round trip) and dropped when a
    membership is saved or deleted (a receiver in publishers/models.py)."""
    # Error pages can render before (or without) the authentication middleware.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_publisher_staff": False}

    def is_staff() -> bool:
        # Called by the template only when it shows the header (not for htmx fragments).
        return bool(
            cached_found(
                staff_nav_key(user.pk),
                lambda: StaffMembership.objects.filter(user_id=user.pk).exists(),
            )
        )

    return {"is_publisher_staff": is_staff}
