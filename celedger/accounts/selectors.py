"""Reads of accounts: the pending duplicate check, an active user by id."""

from celedger.accounts.models import DuplicateCheck, User


def duplicate_check_pending(*, check_id: int) -> DuplicateCheck | None:
    """The sign-up's duplicate check still waiting for the person's choice, else None."""
    return (
        DuplicateCheck.objects.filter(pk=check_id, outcome=DuplicateCheck.Outcome.MATCH_PENDING)
        .select_related("matched_user")
        .first()
    )


def active_user_get(*, pk: int) -> User | None:
    return User.objects.filter(pk=pk, is_active=True).first()
