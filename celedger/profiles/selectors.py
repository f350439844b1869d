from typing import Any

from phonenumber_field.phonenumber import PhoneNumber

from celedger.profiles.models import LearnerProfile


def profile_for_user(*, user: Any) -> LearnerProfile | None:
    """The user's profile, cached on the user object for the rest of the request."""
    if not getattr(user, "is_authenticated", False):
        return None
    if hasattr(user, "_cached_learner_profile"):
        cached: LearnerProfile | None = user._cached_learner_profile
        return cached
    profile = (
        LearnerProfile.objects.filter(user=user)
        .select_related("profession", "specialty", "sub_specialty")
        .first()
    )
    user._cached_learner_profile = profile
    return profile


def profile_find_duplicate(*, last_name_key: str, phone: PhoneNumber) -> LearnerProfile | None:
    """An existing profile with this folded last name and E.164 phone (the sign-up check)."""
    if not last_name_key:
        return None
    return (
        LearnerProfile.objects.filter(last_name_key=last_name_key, phone=phone)
        .select_related("user")
        .order_by("pk")
        .first()
    )
