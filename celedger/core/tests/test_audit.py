import pytest

from celedger.accounts.tests.factories import UserFactory
from celedger.core.models import AuditEvent
from celedger.core.services import audit_changes


@pytest.mark.django_db
def test_it_records_only_changed_fields():
    actor = UserFactory()
    event = audit_changes(
        actor=actor,
        action="profile.update",
        obj=actor,
        before={"last_name": "Smith", "license_number": "123"},
        after={"last_name": "Smyth", "license_number": "123"},
    )
    assert event is not None
    assert event.old_values == {"last_name": "Smith"}
    assert event.new_values == {"last_name": "Smyth"}
    assert event.actor == actor


@pytest.mark.django_db
def test_it_records_nothing_when_nothing_changed():
    actor = UserFactory()
    assert (
        audit_changes(actor=actor, action="x", obj=actor, before={"a": 1}, after={"a": 1}) is None
    )
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_audit_events_are_append_only():
    actor = UserFactory()
    event = audit_changes(actor=actor, action="x", obj=actor, before={"a": 1}, after={"a": 2})
    assert event is not None
    event.reason = "tamper"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
