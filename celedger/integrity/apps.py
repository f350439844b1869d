from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class IntegrityConfig(AppConfig):
    name = "celedger.integrity"
    label = "integrity"
    verbose_name = "Integrity and independence"

    def ready(self) -> None:
        # Activities sit below integrity: they expose a list of publish checks and
        # integrity adds its gate to it, so activities never import this app.
        from celedger.activities.publishing import PUBLISH_CHECKS
        from celedger.integrity.gate import publish_check

        if publish_check not in PUBLISH_CHECKS:
            PUBLISH_CHECKS.append(publish_check)

        # The learner pages' cached disclosure flags follow their rows.
        from celedger.integrity.models import CommercialSupport, ContentRole

        for signal in (post_save, post_delete):
            for model in (ContentRole, CommercialSupport):
                signal.connect(_disclosure_changed, sender=model)


def _disclosure_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from celedger.core.cache import cached_reference_drop
    from celedger.integrity.selectors import disclosure_flags_key

    cached_reference_drop(disclosure_flags_key(instance.activity_id))
