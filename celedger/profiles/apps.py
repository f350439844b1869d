from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _reference_changed(sender: Any, **kwargs: Any) -> None:
    from celedger.core.cache import reference_changed

    reference_changed()


class ProfilesConfig(AppConfig):
    name = "celedger.profiles"
    label = "profiles"

    def ready(self) -> None:
        from celedger.accreditation.models import Profession, Specialty

        # The signed-in pages take a learner's profession and specialties from the cache
        # (`profile_for_user`, one entry per row): a renamed profession or specialty
        # retires them all. (Professions also retire them from activities/apps.py; a second
        # new generation costs nothing.)
        for signal in (post_save, post_delete):
            for model in (Profession, Specialty):
                signal.connect(_reference_changed, sender=model)
