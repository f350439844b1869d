from typing import Any

from celedger.profiles.models import LearnerProfile


def profile_for_user(*, user: Any) -> LearnerProfile | None:
    """The user's profile, cached on the user object for the rest of the request."""
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
