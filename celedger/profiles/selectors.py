from typing import TYPE_CHECKING

from phonenumber_field.phonenumber import PhoneNumber

from celedger.profiles.models import LearnerProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from celedger.accounts.models import User


_CACHED = "_cached_learner_profile"


def profile_for_user(*, user: "User | AnonymousUser") -> LearnerProfile | None:
    """The user's profile, cached on the user object for the rest of the request."""
    if not user.is_authenticated:
        return None
    if hasattr(user, _CACHED):
        cached: LearnerProfile | None = getattr(user, _CACHED)
        return cached
    profile = (
        LearnerProfile.objects.filter(user=user)
        .select_related("profession", "specialty", "sub_specialty")
        .first()
    )
    setattr(user, _CACHED, profile)
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
