"""The authentication backends: Django's and allauth's as they are, but `get_user` (on
every signed-in request) reads the session's user, their learner profile and whether they
are on any provider's staff in one statement.

The layout and most pages ask for the profile, and the header for the "Provider console"
link: each was a statement of its own (the staff answer cached per user, so a statement
and two cache round trips on each learner's first page, and a drop that retired every
process's copies when a membership changed).
"""

from typing import TYPE_CHECKING

from allauth.account import auth_backends
from django.contrib.auth import backends
from django.db import connections, router

from celedger.profiles.selectors import user_with_profile
from celedger.publishers.models import StaffMembership

if TYPE_CHECKING:
    from celedger.accounts.models import User

# Where the read leaves the staff answer on the user (publishers/context_processors.py).
STAFF_FLAG = "_is_publisher_staff"


def _staff_sql() -> str:
    from celedger.accounts.models import User

    quote = connections[router.db_for_read(User)].ops.quote_name
    table = quote(StaffMembership._meta.db_table)
    return (
        f"EXISTS (SELECT 1 FROM {table} m "
        f"WHERE m.user_id = {quote(User._meta.db_table)}.{quote('id')})"
    )


class _SessionUser:
    def get_user(self, user_id: int) -> "User | None":
        user = user_with_profile(user_id=user_id, also={STAFF_FLAG: _staff_sql()})
        if user is None or not self.user_can_authenticate(user):  # type: ignore[attr-defined]
            return None
        return user


class ModelBackend(_SessionUser, backends.ModelBackend):
    """Sign-in by email and password (Django's; the admin and `force_login`)."""


class AuthenticationBackend(_SessionUser, auth_backends.AuthenticationBackend):
    """allauth's sign-in (email, rate limits, the timing mitigation)."""
