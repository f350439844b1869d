from typing import Any

from django.http import HttpRequest

from celedger.publishers.backends import STAFF_FLAG
from celedger.publishers.models import StaffMembership


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    """Whether the header links to the provider console. Every page asked the database
    (`user.memberships.exists`, issue 10); the session's user now brings the answer, read
    in the same statement (publishers/backends.py), so it is as fresh as the user. A user
    set otherwise (signed in during this request) is asked as before."""
    # Error pages can render before (or without) the authentication middleware.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_publisher_staff": False}

    def is_staff() -> bool:
        # Called by the template only when it shows the header (not for htmx fragments).
        found = getattr(user, STAFF_FLAG, None)
        if found is None:
            found = StaffMembership.objects.filter(user_id=user.pk).exists()
        return bool(found)

    return {"is_publisher_staff": is_staff}
