from typing import TYPE_CHECKING, Any

from django.db import models

from celedger.core.models import AuditEvent

if TYPE_CHECKING:
    from celedger.accounts.models import User


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return str(value)


def audit_record(
    *,
    actor: "User | None",
    action: str,
    obj: models.Model,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Write one audit row (who, what, old, new); call inside the change's transaction."""
    event = audit_event(actor=actor, action=action, obj=obj, old=old, new=new, reason=reason)
    event.save()
    return event


def audit_event(
    *,
    actor: "User | None",
    action: str,
    obj: models.Model,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """The audit row `audit_record` writes, unsaved: for writing many in one
    `AuditEvent.objects.bulk_create` inside the change's transaction."""
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        old_values={k: _jsonable(v) for k, v in (old or {}).items()},
        new_values={k: _jsonable(v) for k, v in (new or {}).items()},
        reason=reason,
    )


def audit_changes(
    *,
    actor: "User | None",
    action: str,
    obj: models.Model,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str = "",
) -> AuditEvent | None:
    """Audit only the fields whose values differ; None when nothing changed."""
    changed = [k for k in after if _jsonable(before.get(k)) != _jsonable(after[k])]
    if not changed:
        return None
    return audit_record(
        actor=actor,
        action=action,
        obj=obj,
        old={k: before.get(k) for k in changed},
        new={k: after[k] for k in changed},
        reason=reason,
    )
