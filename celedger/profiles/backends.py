"""The authentication backends, reading the session's user with their profile.

Django's and allauth's backends as they are, but `get_user` (on every signed-in request)
reads the user and the learner profile in one statement (`user_with_profile`): the layout
and most pages ask for the profile, which was a second statement.
"""

from typing import TYPE_CHECKING

from allauth.account import auth_backends
from django.contrib.auth import backends

from celedger.profiles.selectors import user_with_profile

if TYPE_CHECKING:
    from celedger.accounts.models import User


class _WithProfile:
    def get_user(self, user_id: int) -> "User | None":
        user = user_with_profile(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_WithProfile, backends.ModelBackend):
    """Sign-in by email and password (Django's; the admin and `force_login`)."""


class AuthenticationBackend(_WithProfile, auth_backends.AuthenticationBackend):
    """allauth's sign-in (email, rate limits, the timing mitigation)."""
