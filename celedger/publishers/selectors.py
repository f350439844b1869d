"""Reads scoped to staff: every provider page finds its publisher through here."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from celedger.publishers.models import Publisher, StaffMembership

Role = StaffMembership.Role
# What each role may do; a role includes the rights of those after it.
ROLE_RANK = {Role.ADMIN: 3, Role.COORDINATOR: 2, Role.VIEWER: 1}


def publishers_visible_to(*, user: Any) -> QuerySet[Publisher]:
    """Publishers the user is staff of."""
    if not user.is_authenticated:
        return Publisher.objects.none()
    return Publisher.objects.filter(memberships__user=user)


def membership_get(*, user: Any, publisher: Publisher) -> StaffMembership | None:
    if not user.is_authenticated:
        return None
    return StaffMembership.objects.filter(user=user, publisher=publisher).first()


def publisher_get_for_staff(*, user: Any, code: str, min_role: str = Role.VIEWER) -> Publisher:
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
    return publisher


def role_allows(*, role: str, min_role: str) -> bool:
    return ROLE_RANK[Role(role)] >= ROLE_RANK[Role(min_role)]
