from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _assessment_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from celedger.assessments.selectors import post_test_scopes_key
    from celedger.core.cache import cached_reference_drop

    cached_reference_drop(post_test_scopes_key(instance.activity_id))


class AssessmentsConfig(AppConfig):
    name = "celedger.assessments"
    label = "assessments"
    verbose_name = "Learning assessments"

    def ready(self) -> None:
        from celedger.assessments.models import Assessment

        post_save.connect(_assessment_changed, sender=Assessment)
        post_delete.connect(_assessment_changed, sender=Assessment)
