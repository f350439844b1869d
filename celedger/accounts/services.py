from django.db import transaction
from phonenumber_field.phonenumber import PhoneNumber

from celedger.accounts.models import DuplicateCheck, User
from celedger.profiles.selectors import profile_find_duplicate
from celedger.profiles.services import fold_last_name

MASK = "•••"


def mask_email(email: str) -> str:
    """j•••@e•••.org: enough to recognise one's own address, not to learn someone else's."""
    local, _, domain = email.partition("@")
    labels = domain.split(".")
    top = labels[-1] if len(labels) > 1 else ""
    return f"{local[:1]}{MASK}@{labels[0][:1]}{MASK}" + (f".{top}" if top else "")


@transaction.atomic
def duplicate_check_run(*, last_name: str, phone: PhoneNumber) -> DuplicateCheck:
    """Look for an existing profile with this last name and phone; record the check."""
    match = profile_find_duplicate(last_name_key=fold_last_name(last_name), phone=phone)
    check = DuplicateCheck(
        last_name=last_name[:150],
        phone=str(phone),
        matched_user=match.user if match else None,
        outcome=DuplicateCheck.Outcome.MATCH_PENDING if match else DuplicateCheck.Outcome.NO_MATCH,
    )
    check.full_clean()
    check.save()
    return check


@transaction.atomic
def duplicate_check_choose(*, check: DuplicateCheck, outcome: str) -> DuplicateCheck:
    """Record what the person chose after a match ("send me a link" or "not me")."""
    check.outcome = outcome
    check.full_clean()
    check.save(update_fields=["outcome"])
    return check


def duplicate_check_link_user(*, check_id: int, user: "User") -> None:
    """Tie a check to the account created after it, for staff review of "not me" cases."""
    DuplicateCheck.objects.filter(pk=check_id, new_user__isnull=True).update(new_user=user)


def matched_user_email(*, check: DuplicateCheck) -> str:
    user: User | None = check.matched_user
    return user.email if user else ""
