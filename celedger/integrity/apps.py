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

        # The learner pages' cached disclosure flags and rendered disclosure follow their rows.
        from celedger.integrity.models import (
            CommercialSupport,
            ContentRole,
            Disclosure,
            FinancialRelationship,
            RelationshipReview,
        )

        for signal in (post_save, post_delete):
            for model in (ContentRole, CommercialSupport):
                signal.connect(_disclosure_changed, sender=model)
            signal.connect(_review_changed, sender=RelationshipReview)
            signal.connect(_person_disclosure_changed, sender=Disclosure)
            signal.connect(_relationship_changed, sender=FinancialRelationship)


def _disclosure_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from celedger.activities.fragments import fragments_retire
    from celedger.core.cache import cached_reference_drop
    from celedger.integrity.selectors import disclosure_flags_key

    cached_reference_drop(disclosure_flags_key(instance.activity_id))
    fragments_retire([instance.activity_id])


def _review_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A relationship found relevant or mitigated: the role's activity shows it."""
    from celedger.activities.fragments import fragments_retire
    from celedger.integrity.models import ContentRole

    activity_id = (
        ContentRole.objects.filter(pk=instance.content_role_id)
        .values_list("activity_id", flat=True)
        .first()
    )
    if activity_id is not None:
        fragments_retire([activity_id])


def _retire_where_disclosed(*, person_id: int, publisher_id: int) -> None:
    """Every activity of the publisher where the person has a role shows their disclosure."""
    from celedger.activities.fragments import fragments_retire
    from celedger.integrity.models import ContentRole

    fragments_retire(
        list(
            ContentRole.objects.filter(person_id=person_id, activity__publisher_id=publisher_id)
            .order_by()
            .values_list("activity_id", flat=True)
            .distinct()
        )
    )


def _person_disclosure_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    _retire_where_disclosed(person_id=instance.person_id, publisher_id=instance.publisher_id)


def _relationship_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Rows created with their disclosure (`bulk_create`) are covered by its own save.
    from celedger.integrity.models import Disclosure

    owner = (
        Disclosure.objects.filter(pk=instance.disclosure_id)
        .values_list("person_id", "publisher_id")
        .first()
    )
    if owner is not None:
        _retire_where_disclosed(person_id=owner[0], publisher_id=owner[1])
