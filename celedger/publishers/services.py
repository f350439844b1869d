"""Writes for publishers: settings, designation statements, staff. Staff changes are audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from celedger.accreditation.models import CreditType
from celedger.core.services import audit_changes, audit_record
from celedger.publishers.models import DesignationStatement, Publisher, StaffMembership

Role = StaffMembership.Role
SETTINGS_AUDITED = [
    "name",
    "contact_email",
    "liaison_name",
    "time_zone",
    "accreditation_statement",
    "accme_provider_id",
    "acpe_provider_number",
    "signer_name",
    "signer_title",
]


def publisher_update(
    *, publisher: Publisher, actor: Any, before: dict[str, Any] | None = None
) -> Publisher:
    """Save a publisher's settings (already set on the instance) with an audit of changes.

    `before` holds the values as they were when the form was bound.
    """
    publisher.full_clean()
    with transaction.atomic():
        publisher.save()
        if before is not None:
            audit_changes(
                actor=actor,
                action="publisher.update",
                obj=publisher,
                before=before,
                after={f: getattr(publisher, f) for f in SETTINGS_AUDITED},
            )
    return publisher


def statements_set(
    *, publisher: Publisher, statements: dict[CreditType, str]
) -> list[DesignationStatement]:
    """The publisher's own designation wording per credit type; empty text falls back
    to the credit type's default."""
    saved = []
    with transaction.atomic():
        for credit_type, text in statements.items():
            text = text.strip()
            if not text:
                DesignationStatement.objects.filter(
                    publisher=publisher, credit_type=credit_type
                ).delete()
                continue
            statement, _ = DesignationStatement.objects.update_or_create(
                publisher=publisher, credit_type=credit_type, defaults={"statement": text}
            )
            saved.append(statement)
    return saved


def staff_add(*, publisher: Publisher, user: Any, role: str, actor: Any) -> StaffMembership:
    if StaffMembership.objects.filter(publisher=publisher, user=user).exists():
        raise ValidationError({"email": "This person is already on the staff."})
    membership = StaffMembership(publisher=publisher, user=user, role=role)
    membership.full_clean()
    with transaction.atomic():
        membership.save()
        audit_record(
            actor=actor,
            action="staff.add",
            obj=membership,
            new={"user": user.email, "publisher": publisher.code, "role": role},
        )
    return membership


def _admins_left(publisher: Publisher, without: StaffMembership) -> int:
    return (
        StaffMembership.objects.filter(publisher=publisher, role=Role.ADMIN)
        .exclude(pk=without.pk)
        .count()
    )


def staff_change_role(*, membership: StaffMembership, role: str, actor: Any) -> StaffMembership:
    """Change a role; the last admin cannot step down (someone must manage the staff)."""
    with transaction.atomic():
        membership = StaffMembership.objects.select_for_update().get(pk=membership.pk)
        old = membership.role
        if (
            old == Role.ADMIN
            and role != Role.ADMIN
            and not _admins_left(membership.publisher, membership)
        ):
            raise ValidationError(
                {"role": "The last admin cannot be changed; add another admin first."}
            )
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
        audit_changes(
            actor=actor,
            action="staff.role",
            obj=membership,
            before={"role": old},
            after={"role": role},
        )
    return membership


def staff_remove(*, membership: StaffMembership, actor: Any) -> None:
    with transaction.atomic():
        membership = StaffMembership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == Role.ADMIN and not _admins_left(membership.publisher, membership):
            raise ValidationError("The last admin cannot be removed; add another admin first.")
        audit_record(
            actor=actor,
            action="staff.remove",
            obj=membership,
            old={"user": membership.user.email, "role": membership.role},
        )
        membership.delete()
