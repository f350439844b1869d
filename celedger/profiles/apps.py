from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _reference_changed(sender: Any, **kwargs: Any) -> None:
    from celedger.core.cache import reference_changed

    reference_changed()


def _profile_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from celedger.core.cache import cached_reference_drop
    from celedger.profiles.selectors import profile_references_key

    # Checked against the profile's row by its reader: other processes need not drop theirs.
    cached_reference_drop(profile_references_key(instance.user_id), everywhere=False)


class ProfilesConfig(AppConfig):
    name = "celedger.profiles"
    label = "profiles"

    def ready(self) -> None:
        from celedger.accreditation.models import Profession, Specialty
        from celedger.profiles.models import LearnerProfile

        # The signed-in pages take a learner's profession and specialties from the cache
        # (`profile_for_user`): a saved profile drops its entry, a renamed profession or
        # specialty retires them all. (Professions also retire them from activities/apps.py;
        # a second new generation costs nothing.)
        for signal in (post_save, post_delete):
            signal.connect(_profile_changed, sender=LearnerProfile)
            for model in (Profession, Specialty):
                signal.connect(_reference_changed, sender=model)
