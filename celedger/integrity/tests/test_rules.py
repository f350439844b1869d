"""The rules: the publish gate, validity periods, mitigation, exclusion of owners/employees."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from celedger.accounts.tests.factories import UserFactory
from celedger.activities.models import Activity
from celedger.activities.services import activity_save
from celedger.activities.tests.factories import ActivityFactory, SessionFactory
from celedger.core.models import AuditEvent
from celedger.integrity.models import Disclosure, IntegrityPolicy
from celedger.integrity.selectors import (
    PersonState,
    SupportSummary,
    activity_integrity,
    commercial_support_for_activities,
)
from celedger.integrity.services import (
    RelationshipInput,
    add_months,
    content_role_add,
    disclosure_submit,
    override_create,
    override_withdraw,
    review_save,
)
from celedger.integrity.tests.factories import (
    ContentRoleFactory,
    DisclosureFactory,
    RelationshipFactory,
    discloser,
)
from celedger.publishers.tests.factories import PublisherFactory

pytestmark = pytest.mark.django_db


def _draft(**kwargs: Any) -> Activity:
    activity = ActivityFactory(status=Activity.Status.DRAFT, **kwargs)
    SessionFactory(activity=activity)
    return activity


def _publish(activity: Activity) -> Activity:
    activity.status = Activity.Status.PUBLISHED
    return activity_save(activity=activity, professions=[])


def _state_of(activity: Activity) -> PersonState:
    (status,) = activity_integrity(activity=activity).roles
    return status.state


# --- The gate ---------------------------------------------------------------------------


def test_it_publishes_an_activity_with_no_one_recorded() -> None:
    # Activities outside the standards (or not set up yet) are not blocked; the console
    # shows "No one recorded" instead (docs/integrity.md).
    activity = _publish(_draft())
    assert activity.status == Activity.Status.PUBLISHED


def test_it_refuses_to_publish_while_a_disclosure_is_missing() -> None:
    activity = _draft()
    ContentRoleFactory(activity=activity, person=None, email="new@example.org", name="Dr. New")
    with pytest.raises(ValidationError) as refused:
        _publish(activity)
    assert "Dr. New (faculty) has no current disclosure." in refused.value.message_dict["status"]
    assert Activity.objects.get(pk=activity.pk).status == Activity.Status.DRAFT


def test_it_refuses_to_publish_while_a_relationship_is_not_reviewed() -> None:
    activity = _draft()
    discloser(activity, relationships=1)
    assert _state_of(activity) == PersonState.REVIEW
    with pytest.raises(ValidationError, match="not reviewed yet"):
        _publish(activity)


def test_it_publishes_once_relevant_relationships_are_mitigated() -> None:
    activity = _draft()
    role = discloser(activity, relationships=2)
    coordinator = UserFactory()
    first, second = role.person.disclosures.get().relationships.all()
    review_save(
        content_role=role,
        relationship=first,
        is_relevant=False,
        mitigations=[],
        mitigation_other="",
        actor=coordinator,
    )
    review_save(
        content_role=role,
        relationship=second,
        is_relevant=True,
        mitigations=["peer_review"],
        mitigation_other="",
        actor=coordinator,
    )
    assert _state_of(activity) == PersonState.MITIGATED
    assert _publish(activity).status == Activity.Status.PUBLISHED


def test_it_publishes_when_no_one_has_relationships() -> None:
    activity = _draft()
    discloser(activity)
    assert _state_of(activity) == PersonState.CLEAR
    assert _publish(activity).status == Activity.Status.PUBLISHED


def test_it_counts_session_roles_toward_the_activity_gate() -> None:
    activity = _draft()
    session = activity.sessions.get()
    ContentRoleFactory(activity=activity, session=session, person=None, email="s@example.org")
    with pytest.raises(ValidationError):
        _publish(activity)


def test_it_lets_an_audited_override_publish_and_its_withdrawal_gate_again() -> None:
    activity = _draft()
    ContentRoleFactory(activity=activity, person=None, email="late@example.org")
    actor = UserFactory()
    with pytest.raises(ValidationError):
        override_create(activity=activity, reason="  ", actor=actor)
    override = override_create(activity=activity, reason="Speaker replaced today", actor=actor)
    event = AuditEvent.objects.get(action="integrity.override")
    assert event.reason == "Speaker replaced today" and event.actor == actor
    assert _publish(activity).status == Activity.Status.PUBLISHED

    override_withdraw(override=override, actor=actor)
    activity.status = Activity.Status.DRAFT
    activity_save(activity=activity, professions=[])
    with pytest.raises(ValidationError):
        _publish(activity)


def test_it_keeps_saving_an_activity_published_before_a_person_was_added() -> None:
    # Only the step to "published" is gated: editing a live activity must not break.
    activity = ActivityFactory(status=Activity.Status.PUBLISHED)
    ContentRoleFactory(activity=activity, person=None, email="x@example.org")
    activity.title = "Renamed"
    assert activity_save(activity=activity, professions=[]).title == "Renamed"
    assert activity_integrity(activity=activity).blocking


def test_it_ignores_removed_people() -> None:
    activity = _draft()
    ContentRoleFactory(
        activity=activity, person=None, email="gone@example.org", removed_at=timezone.now()
    )
    assert _publish(activity).status == Activity.Status.PUBLISHED


# --- Validity periods -------------------------------------------------------------------


def test_it_makes_a_disclosure_valid_for_the_publishers_period_default_12_months() -> None:
    publisher = PublisherFactory()
    person = UserFactory()
    disclosure = disclosure_submit(
        person=person, publisher=publisher, relationships=[], attested=True
    )
    assert disclosure.valid_until == add_months(timezone.localdate(timezone=publisher.zone), 12)
    IntegrityPolicy.objects.create(publisher=publisher, disclosure_valid_months=6)
    disclosure = disclosure_submit(
        person=person, publisher=publisher, relationships=[], attested=True
    )
    assert disclosure.valid_until == add_months(timezone.localdate(timezone=publisher.zone), 6)


def test_it_adds_months_to_the_last_day_of_shorter_months() -> None:
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2027, 12, 15), 12) == datetime.date(2028, 12, 15)
    assert add_months(datetime.date(2028, 2, 29), 12) == datetime.date(2029, 2, 28)


def test_it_treats_an_expired_disclosure_as_missing() -> None:
    activity = _draft()
    role = discloser(activity, valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert _state_of(activity) == PersonState.MISSING
    # Valid through its last day.
    Disclosure.objects.filter(person=role.person).update(valid_until=timezone.localdate())
    assert _state_of(activity) == PersonState.CLEAR


def test_it_reuses_a_disclosure_across_the_publishers_activities_only() -> None:
    first = _draft()
    role = discloser(first)
    same_publisher = _draft(publisher=first.publisher)
    ContentRoleFactory(activity=same_publisher, person=role.person)
    other_publisher = _draft()
    ContentRoleFactory(activity=other_publisher, person=role.person)
    assert _state_of(same_publisher) == PersonState.CLEAR
    assert _state_of(other_publisher) == PersonState.MISSING


def test_it_uses_the_newest_disclosure() -> None:
    activity = _draft()
    role = discloser(activity)  # none
    later = DisclosureFactory(
        person=role.person,
        publisher=activity.publisher,
        has_relationships=True,
        submitted_at=timezone.now() + datetime.timedelta(minutes=1),
    )
    RelationshipFactory(disclosure=later)
    assert _state_of(activity) == PersonState.REVIEW


def test_it_requires_the_attestation() -> None:
    with pytest.raises(ValidationError) as refused:
        disclosure_submit(
            person=UserFactory(), publisher=PublisherFactory(), relationships=[], attested=False
        )
    assert "attest" in refused.value.message_dict
    assert not Disclosure.objects.exists()


# --- Mitigation -------------------------------------------------------------------------


def test_it_requires_a_mitigation_step_for_a_relevant_relationship() -> None:
    activity = _draft()
    role = discloser(activity, relationships=1)
    relationship = role.person.disclosures.get().relationships.get()
    actor = UserFactory()
    with pytest.raises(ValidationError, match="at least one mitigation"):
        review_save(
            content_role=role,
            relationship=relationship,
            is_relevant=True,
            mitigations=[],
            mitigation_other="",
            actor=actor,
        )
    with pytest.raises(ValidationError, match="Describe the other"):
        review_save(
            content_role=role,
            relationship=relationship,
            is_relevant=True,
            mitigations=["other"],
            mitigation_other=" ",
            actor=actor,
        )
    review = review_save(
        content_role=role,
        relationship=relationship,
        is_relevant=True,
        mitigations=["other", "recusal", "bogus"],
        mitigation_other="Co-presenter reviews slides",
        actor=actor,
    )
    assert review.mitigations == ["other", "recusal"]
    assert review.mitigation_labels() == [
        "Recusal from controlling the related content",
        "Co-presenter reviews slides",
    ]
    # Changing the finding is audited with the old values.
    review_save(
        content_role=role,
        relationship=relationship,
        is_relevant=False,
        mitigations=["recusal"],
        mitigation_other="",
        actor=actor,
    )
    last = AuditEvent.objects.filter(action="integrity.review").first()
    assert last is not None
    assert last.old_values["relevant"] is True and last.new_values["relevant"] is False
    assert last.new_values["mitigations"] == []


def test_it_reviews_per_role_so_another_activity_needs_its_own_review() -> None:
    activity = _draft()
    role = discloser(activity, relationships=1)
    relationship = role.person.disclosures.get().relationships.get()
    review_save(
        content_role=role,
        relationship=relationship,
        is_relevant=False,
        mitigations=[],
        mitigation_other="",
        actor=UserFactory(),
    )
    other = _draft(publisher=activity.publisher)
    ContentRoleFactory(activity=other, person=role.person)
    assert _state_of(activity) == PersonState.CLEAR
    assert _state_of(other) == PersonState.REVIEW


# --- Owners and employees ---------------------------------------------------------------


def test_it_excludes_an_owner_or_employee_without_an_exception() -> None:
    activity = _draft()
    role = ContentRoleFactory(activity=activity)
    disclosure_submit(
        person=role.person,
        publisher=activity.publisher,
        attested=True,
        is_owner_or_employee=True,
        owner_company="Acme Devices",
        relationships=[RelationshipInput(company="Acme Devices", nature="employee")],
    )
    assert _state_of(activity) == PersonState.EXCLUDED
    with pytest.raises(ValidationError, match="owner or employee of an ineligible company"):
        _publish(activity)


@pytest.mark.parametrize("exception", ["unrelated", "basic_science", "device_technician"])
def test_it_lets_an_owner_or_employee_take_a_role_under_an_exception(exception: str) -> None:
    activity = _draft()
    role = ContentRoleFactory(activity=activity)
    disclosure_submit(
        person=role.person,
        publisher=activity.publisher,
        attested=True,
        is_owner_or_employee=True,
        owner_company="Acme Devices",
        owner_exception=exception,
        relationships=[],
    )
    assert _state_of(activity) == PersonState.CLEAR


def test_it_requires_the_company_of_an_owner_or_employee() -> None:
    with pytest.raises(ValidationError) as refused:
        disclosure_submit(
            person=UserFactory(),
            publisher=PublisherFactory(),
            attested=True,
            is_owner_or_employee=True,
            owner_company=" ",
            relationships=[],
        )
    assert "owner_company" in refused.value.message_dict


def test_the_database_refuses_an_exception_for_someone_not_an_owner() -> None:
    with pytest.raises(IntegrityError):
        DisclosureFactory(is_owner_or_employee=False, owner_exception="unrelated")


# --- People and PARS --------------------------------------------------------------------


def test_it_links_an_existing_verified_account_when_a_person_is_added() -> None:
    activity = _draft()
    known = UserFactory(email="known@example.org")
    role = content_role_add(
        activity=activity,
        role="faculty",
        name="Dr. Known",
        email="KNOWN@example.org",
        actor=UserFactory(),
    )
    assert role.person == known
    with pytest.raises(ValidationError, match="already has this role"):
        content_role_add(
            activity=activity,
            role="faculty",
            name="Dr. Known",
            email="known@example.org",
            actor=UserFactory(),
        )


def test_it_summarizes_commercial_support_for_pars(django_assert_num_queries: Any) -> None:
    from decimal import Decimal

    from celedger.integrity.models import CommercialSupport

    activity = _draft()
    other = _draft()
    for kind, amount in [("monetary", Decimal("5000.00")), ("in_kind", None)]:
        CommercialSupport.objects.create(
            activity=activity,
            supporter=f"Acme {kind}",
            kind=kind,
            amount=amount,
            in_kind_description="Ultrasound units" if amount is None else "",
            agreement="private/x.pdf",
            agreement_signed_on=timezone.localdate(),
            created_at=timezone.now(),
        )
    with django_assert_num_queries(1):
        result = commercial_support_for_activities(activity_ids=[activity.pk, other.pk])
    assert result == {
        activity.pk: [
            SupportSummary(name="Acme in_kind", kind="in_kind", amount=None),
            SupportSummary(name="Acme monetary", kind="monetary", amount=Decimal("5000.00")),
        ]
    }
