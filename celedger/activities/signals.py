"""Cached reference data follows its changes (`designations_for`, the sessions by Event
ID, core/cache.py; the learner pages' rendered pieces, activities/fragments.py)."""

from typing import Any

from celedger.activities.fragments import fragments_retire
from celedger.activities.selectors import designations_key, event_session_keys
from celedger.core.cache import cached_found_drop, cached_reference_drop, reference_changed


def designation_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    cached_reference_drop(designations_key(instance.activity_id))
    fragments_retire([instance.activity_id])


def session_uan_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from celedger.activities.models import CreditDesignation

    activity_id = (
        CreditDesignation.objects.filter(pk=instance.designation_id)
        .values_list("activity_id", flat=True)
        .first()
    )
    if activity_id is not None:
        cached_reference_drop(designations_key(activity_id))
        fragments_retire([activity_id])


def session_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    cached_reference_drop(designations_key(instance.activity_id))


def reference_table_changed(sender: Any, **kwargs: Any) -> None:
    reference_changed()


def _activity_event_ids(activity_ids: list[int]) -> list[str]:
    from celedger.activities.models import Activity, Session

    codes = list(
        Session.objects.filter(activity_id__in=activity_ids).values_list("event_id", flat=True)
    )
    codes += [
        code
        for code in Activity.objects.filter(pk__in=activity_ids).values_list("event_id", flat=True)
        if code
    ]
    return codes


def event_session_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A session saved or deleted: its Event ID's cached lookups, and its conference's (the
    activity's own Event ID names the first session), are dropped; so are the pieces of
    its activity's pages (its times, topic, amounts)."""
    from celedger.activities.models import Activity

    activity = instance._state.fields_cache.get("activity")
    if activity is not None:
        conference = activity.event_id
    else:
        conference = (
            Activity.objects.filter(pk=instance.activity_id)
            .values_list("event_id", flat=True)
            .first()
        )
    cached_found_drop(event_session_keys([instance.event_id, conference or ""]))
    fragments_retire([instance.activity_id])


def event_activity_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An activity saved or deleted: every Event ID it has, and its pages' pieces."""
    codes = _activity_event_ids([instance.pk])
    cached_found_drop(event_session_keys([*codes, instance.event_id or ""]))
    fragments_retire([instance.pk])


def event_setup_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An activity's evaluation setup saved or deleted (the claim's lookup holds it)."""
    cached_found_drop(event_session_keys(_activity_event_ids([instance.activity_id])))


def event_publisher_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A publisher saved or deleted: every Event ID of its activities, and their pages'
    pieces (name, logo, statement, contact: rare, staff-only)."""
    from celedger.activities.models import Activity

    ids = list(Activity.objects.filter(publisher_id=instance.pk).values_list("pk", flat=True))
    cached_found_drop(event_session_keys(_activity_event_ids(ids)))
    fragments_retire(ids)
