"""Reads scoped to staff: every provider page finds its publisher through here."""

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from celedger.publishers.models import (
    DesignationStatement,
    Publisher,
    StaffInvitation,
    StaffMembership,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from celedger.accounts.models import User

Role = StaffMembership.Role
# What each role may do; a role includes the rights of those after it.
ROLE_RANK = {Role.ADMIN: 3, Role.COORDINATOR: 2, Role.VIEWER: 1}


def publishers_visible_to(*, user: "User") -> QuerySet[Publisher]:
    """Publishers the user is staff of."""
    if not user.is_authenticated:
        return Publisher.objects.none()
    return Publisher.objects.filter(memberships__user=user)


def membership_get(
    *, user: "User | AnonymousUser", publisher: Publisher
) -> StaffMembership | None:
    if not user.is_authenticated:
        return None
    return StaffMembership.objects.filter(user=user, publisher=publisher).first()


def publisher_get_for_staff(*, user: "User", code: str, min_role: str = Role.VIEWER) -> Publisher:
    """The publisher with `code` if `user` holds at least `min_role` there.

    404 for a publisher the user is not staff of (its existence is not revealed);
    403 for staff whose role is too low. The membership is at `publisher.membership`.
    """
    if not user.is_authenticated:
        raise Http404
    membership = (
        StaffMembership.objects.select_related("publisher")
        .filter(user=user, publisher__code=code)
        .first()
    )
    if membership is None:
        raise Http404
    if ROLE_RANK[Role(membership.role)] < ROLE_RANK[Role(min_role)]:
        raise PermissionDenied
    publisher = membership.publisher
    publisher.membership = membership  # type: ignore[attr-defined]
    # Every console page comes through here: its times are the publisher's (issue 15).
    # PublisherTimezoneMiddleware resets the zone when the request ends.
    timezone.activate(publisher.zone)
    return publisher


def role_allows(*, role: str, min_role: str) -> bool:
    return ROLE_RANK[Role(role)] >= ROLE_RANK[Role(min_role)]


# Invitations ---------------------------------------------------------------------------


def invitation_get_by_token(*, token: str) -> StaffInvitation | None:
    """The invitation behind a link, whatever its state; None for an unknown token."""
    if not token or len(token) > 64:
        return None
    return (
        StaffInvitation.objects.select_related("publisher", "invited_by")
        .filter(token=token)
        .first()
    )


def invitations_open(*, publisher: Publisher) -> QuerySet[StaffInvitation]:
    """Invitations neither accepted nor revoked (expired ones included: they can be resent)."""
    return (
        StaffInvitation.objects.filter(
            publisher=publisher, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("invited_by")
        .order_by("email", "pk")
    )


def invitation_get_for_admin(*, publisher: Publisher, pk: int) -> StaffInvitation:
    """An invitation of this publisher (the caller has checked the admin role), else 404."""
    invitation = StaffInvitation.objects.filter(publisher=publisher, pk=pk).first()
    if invitation is None:
        raise Http404
    invitation.publisher = publisher
    return invitation


class InviteeCheck(StrEnum):
    """Whether a visitor may accept an invitation sent to a given address."""

    ANONYMOUS = "anonymous"
    OTHER_EMAIL = "other_email"  # signed in with an account for another address
    UNVERIFIED = "unverified"  # the right address, not confirmed yet
    MATCH = "match"


def invitee_check(*, invitation: StaffInvitation, user: "User | AnonymousUser") -> InviteeCheck:
    if not user.is_authenticated:
        return InviteeCheck.ANONYMOUS
    addresses = EmailAddress.objects.filter(user=user, email__iexact=invitation.email)
    if any(address.verified for address in addresses):
        return InviteeCheck.MATCH
    if addresses or user.email.lower() == invitation.email.lower():
        return InviteeCheck.UNVERIFIED
    return InviteeCheck.OTHER_EMAIL


def staff_landing_url(user: "User") -> str | None:
    """Staff of any publisher land in the console after signing in (accounts' landing hook)."""
    if StaffMembership.objects.filter(user=user).exists():
        return reverse("publishers:console")
    return None


def memberships_of(*, user: "User") -> list[StaffMembership]:
    """The publishers whose staff the user is on (the console's chooser)."""
    return list(StaffMembership.objects.filter(user=user).select_related("publisher"))


@dataclass
class StaffPage:
    """The staff page: members (each with its role form, set by the view) and invitations."""

    memberships: list[StaffMembership]
    invitations: list[StaffInvitation]


def staff_page(*, publisher: Publisher) -> StaffPage:
    return StaffPage(
        memberships=list(
            StaffMembership.objects.filter(publisher=publisher)
            .select_related("user")
            .order_by("user__email")
        ),
        invitations=list(invitations_open(publisher=publisher)),
    )


def membership_get_for_admin(*, publisher: Publisher, pk: int) -> StaffMembership:
    """A membership of this publisher (the caller has checked the admin role), else 404."""
    membership = (
        StaffMembership.objects.filter(publisher=publisher, pk=pk).select_related("user").first()
    )
    if membership is None:
        raise Http404
    membership.publisher = publisher
    return membership


def statements_of(*, publisher: Publisher) -> dict[int, str]:
    """The publisher's own designation statements by credit type id."""
    return dict(
        DesignationStatement.objects.filter(publisher=publisher).values_list(
            "credit_type_id", "statement"
        )
    )
