"""Cached reference data follows its changes (`designations_for`, core/cache.py)."""

from typing import Any

from celedger.activities.selectors import designations_key
from celedger.core.cache import cached_reference_drop, reference_changed


def designation_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    cached_reference_drop(designations_key(instance.activity_id))


def session_uan_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from celedger.activities.models import CreditDesignation

    activity_id = (
        CreditDesignation.objects.filter(pk=instance.designation_id)
        .values_list("activity_id", flat=True)
        .first()
    )
    if activity_id is not None:
        cached_reference_drop(designations_key(activity_id))


def session_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    cached_reference_drop(designations_key(instance.activity_id))


def reference_table_changed(sender: Any, **kwargs: Any) -> None:
    reference_changed()
