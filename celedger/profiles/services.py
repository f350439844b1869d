import unicodedata
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from celedger.core.services import audit_changes
from celedger.profiles.forms import ProfileInput
from celedger.profiles.models import BoardCertification, LearnerProfile

if TYPE_CHECKING:
    from celedger.accounts.models import User

# Identity fields whose changes are audited (who, when, old, new).
AUDITED_FIELDS = (
    "first_name",
    "last_name",
    "license_number",
    "license_state",
    "nabp_eprofile_id",
    "birth_month",
    "birth_day",
)
PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "profession",
    "affiliation",
    "specialty",
    "sub_specialty",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    "status",
    "license_number",
    "license_state",
    "nabp_eprofile_id",
    "birth_month",
    "birth_day",
    "is_board_member",
)


def fold_last_name(value: str) -> str:
    """Last name compared ignoring case, accents, spaces and punctuation (Nuñez == NUNEZ)."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in letters.casefold() if ch.isalnum())[:100]


def _identity(profile: LearnerProfile) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(profile, name) for name in AUDITED_FIELDS}
    values["board_ids"] = [
        f"{c.board.code}:{c.diplomate_id}"
        for c in profile.board_certifications.select_related("board").order_by("board__code")
    ]
    return values


def _apply(profile: LearnerProfile, data: ProfileInput) -> None:
    for name in PROFILE_FIELDS:
        setattr(profile, name, getattr(data, name))
    profile.last_name_key = fold_last_name(data.last_name)


def _sync_board(profile: LearnerProfile, data: ProfileInput) -> None:
    if not data.is_board_member or data.board is None:
        profile.board_certifications.all().delete()
        return
    profile.board_certifications.exclude(board=data.board).delete()
    certification = profile.board_certifications.filter(board=data.board).first()
    if certification is None:
        certification = BoardCertification(profile=profile, board=data.board)
    certification.diplomate_id = data.board_id
    if data.board_consent and certification.consented_at is None:
        certification.consented_at = timezone.now()
    elif not data.board_consent:
        certification.consented_at = None
    certification.full_clean()
    certification.save()


@transaction.atomic
def profile_create(*, user: "User", actor: "User | None", data: ProfileInput) -> LearnerProfile:
    """Create the user's profile (with credentials and board) and audit its identity fields."""
    profile = LearnerProfile(user=user)
    _apply(profile, data)
    profile.full_clean()
    profile.save()
    profile.credentials.set(data.credentials)
    _sync_board(profile, data)
    audit_changes(
        actor=actor, action="profile.create", obj=profile, before={}, after=_identity(profile)
    )
    setattr(user, "_cached_learner_profile", profile)  # noqa: B010
    return profile


@transaction.atomic
def profile_update(
    *, profile: LearnerProfile, actor: "User | None", data: ProfileInput
) -> LearnerProfile:
    """Save a learner's edits; changes to name, license, NABP ID, birthday or board ID are
    audited with old and new values."""
    locked = LearnerProfile.objects.select_for_update().get(pk=profile.pk)
    before = _identity(locked)
    _apply(locked, data)
    locked.full_clean()
    locked.save()
    locked.credentials.set(data.credentials)
    _sync_board(locked, data)
    audit_changes(
        actor=actor, action="profile.update", obj=locked, before=before, after=_identity(locked)
    )
    setattr(locked.user, "_cached_learner_profile", locked)  # noqa: B010
    return locked
