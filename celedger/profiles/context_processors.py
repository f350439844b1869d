from typing import Any

from django.http import HttpRequest


def profile_reminders(request: HttpRequest) -> dict[str, Any]:
    """The learner's profile (if any) for the base layout's reminder banners."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from celedger.profiles.selectors import profile_for_user

    return {"learner_profile": profile_for_user(user=user)}
