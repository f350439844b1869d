"""Writes for publishers: settings, designation statements, staff and staff invitations.
Staff changes are audited."""

import logging
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from celedger.accreditation.models import CreditType
from celedger.core.outbox import outbox_enqueue
from celedger.core.services import audit_changes, audit_record
from celedger.publishers.models import (
    DesignationStatement,
    Publisher,
    StaffInvitation,
    StaffMembership,
)
from celedger.publishers.selectors import InviteeCheck, invitee_check

if TYPE_CHECKING:
    from celedger.accounts.models import User

logger = logging.getLogger(__name__)

Role = StaffMembership.Role
SETTINGS_AUDITED = [
    "name",
    "contact_email",
    "liaison_name",
    "time_zone",
    "accreditation_statement",
    "is_jointly_accredited",
    "accme_provider_id",
    "acpe_provider_number",
    "signer_name",
    "signer_title",
]


def publisher_update(
    *, publisher: Publisher, actor: "User", before: dict[str, Any] | None = None
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


def staff_add(*, publisher: Publisher, user: "User", role: str, actor: "User") -> StaffMembership:
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


def staff_change_role(*, membership: StaffMembership, role: str, actor: "User") -> StaffMembership:
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


def staff_remove(*, membership: StaffMembership, actor: "User") -> None:
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


# Invitations ---------------------------------------------------------------------------

State = StaffInvitation.State


def _send_invitation_on_commit(invitation: StaffInvitation) -> None:
    # Recorded in the invitation's transaction; the outbox worker sends it, with retries.
    outbox_enqueue(kind="publishers.invitation_email", payload={"invitation_id": invitation.pk})


def staff_invite(
    *, publisher: Publisher, email: str, role: str, actor: "User"
) -> StaffMembership | StaffInvitation:
    """Add the account with this email (any case) to the staff, or, when there is none,
    open an invitation and email it after commit. One open invitation per address."""
    email = email.strip()
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is not None:
        return staff_add(publisher=publisher, user=user, role=role, actor=actor)
    existing = (
        StaffInvitation.objects.filter(
            publisher=publisher,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .only("created_at", "accepted_at", "revoked_at")
        .first()
    )
    if existing is not None:
        raise ValidationError({"email": _already_invited(existing)})
    invitation = StaffInvitation(publisher=publisher, email=email, role=role, invited_by=actor)
    # The open-invitation constraint is checked by the database below (a race's loser
    # gets the same friendly message), not by a second query here.
    invitation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
            audit_record(
                actor=actor,
                action="staff.invite",
                obj=invitation,
                new={"email": email, "publisher": publisher.code, "role": role},
            )
            _send_invitation_on_commit(invitation)
    except IntegrityError:
        raise ValidationError(
            {"email": "This address was invited a moment ago; see the pending invitations."}
        ) from None
    return invitation


def _already_invited(invitation: StaffInvitation) -> str:
    if invitation.state == State.EXPIRED:
        return (
            "This address has an invitation that has expired. "
            "Use Resend under Pending invitations to send a fresh link."
        )
    return (
        "This address has already been invited and has not answered yet. "
        "Use Resend under Pending invitations to send the email again."
    )


def _lock_open(invitation: StaffInvitation, verb: str) -> StaffInvitation:
    locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None:
        raise ValidationError(f"This invitation was already accepted; it cannot be {verb}.")
    if locked.revoked_at is not None:
        raise ValidationError(f"This invitation was revoked; it cannot be {verb}.")
    return locked


def invitation_resend(*, invitation: StaffInvitation, actor: "User") -> StaffInvitation:
    """Email an open invitation again, with the same link, valid 14 days from now."""
    with transaction.atomic():
        locked = _lock_open(invitation, "resent")
        old_sent = locked.created_at
        locked.created_at = timezone.now()
        locked.save(update_fields=["created_at"])
        audit_record(
            actor=actor,
            action="staff.invite_resend",
            obj=locked,
            old={"sent_at": old_sent.isoformat()},
            new={"sent_at": locked.created_at.isoformat(), "email": locked.email},
        )
        _send_invitation_on_commit(locked)
    return locked


def invitation_revoke(*, invitation: StaffInvitation, actor: "User") -> StaffInvitation:
    """Withdraw an open invitation: its link stops working at once."""
    with transaction.atomic():
        locked = _lock_open(invitation, "revoked")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="staff.invite_revoke",
            obj=locked,
            old={"email": locked.email, "role": locked.role},
        )
    return locked


def invitation_accept(*, invitation: StaffInvitation, user: "User") -> StaffMembership:
    """Join the staff through an invitation, as a user whose verified email is the invited
    address. An existing membership keeps its role; accepting twice changes nothing."""
    check = invitee_check(invitation=invitation, user=user)
    if check == InviteeCheck.ANONYMOUS:
        raise ValidationError("Sign in to accept this invitation.")
    if check == InviteeCheck.OTHER_EMAIL:
        raise ValidationError("This invitation was sent to another email address.")
    if check == InviteeCheck.UNVERIFIED:
        raise ValidationError("Confirm your email address first, then accept the invitation.")
    with transaction.atomic():
        locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            # A second click or tab: the first acceptance stands.
            membership = StaffMembership.objects.filter(
                publisher_id=locked.publisher_id, user=user
            ).first()
            if membership is None:
                raise ValidationError("This invitation has already been used.")
            return membership
        if locked.revoked_at is not None:
            raise ValidationError("This invitation was revoked by the publisher's admin.")
        if locked.state == State.EXPIRED:
            raise ValidationError("This invitation has expired; ask the admin to resend it.")
        membership, created = StaffMembership.objects.get_or_create(
            publisher_id=locked.publisher_id, user=user, defaults={"role": locked.role}
        )
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        audit_record(
            actor=user,
            action="staff.invite_accept",
            obj=locked,
            new={
                "user": user.email,
                "membership": membership.pk,
                "role": membership.role,
                "membership_created": created,
            },
        )
        if created:
            audit_record(
                actor=user,
                action="staff.add",
                obj=membership,
                new={"user": user.email, "role": membership.role},
                reason=f"Accepted invitation {locked.pk}",
            )
    return membership
