import re
from collections.abc import Iterable

from django.db.models import QuerySet

from celedger.accreditation.models import Credential, CreditType, Profession, Specialty


def profession_ids_for(
    *, credentials: Iterable[Credential], profession_id: int | None = None
) -> set[int]:
    """The learner's professions: the one they chose plus those their credentials decide.
    A degree that decides no profession (PhD, MS …) adds none: a PhD is not a psychologist."""
    ids = {c.profession_id for c in credentials if c.implies_profession}
    if profession_id is not None:
        ids.add(profession_id)
    return ids


def credit_types_for_credentials(
    *, credentials: Iterable[Credential], profession_id: int | None = None
) -> QuerySet[CreditType]:
    """The credit types the learner's professions receive (union), in display order.

    MOC points and IPCE credit are left out: they depend on the activity (and, for MOC, on
    board membership and consent), not on the credentials.
    """
    profession_ids = profession_ids_for(credentials=credentials, profession_id=profession_id)
    return (
        CreditType.objects.filter(professions__in=profession_ids)
        .exclude(board__isnull=False)
        .exclude(is_ipce=True)
        .distinct()
        .order_by("sort_order", "name")
    )


def profession_for_credentials(*, credentials: Iterable[Credential]) -> Profession | None:
    """The profession a set of credentials implies: the first in profession order ("MD, PhD" is
    a physician); None when none decides one ("PhD" alone: the learner chooses)."""
    professions = [c.profession for c in credentials if c.implies_profession]
    if not professions:
        return None
    return min(professions, key=lambda p: (p.sort_order, p.name))


_ASCII_ID = re.compile(r"[0-9]{1,9}")


def credentials_chosen(*, values: Iterable[object]) -> list[Credential]:
    """The credentials a form or query string names by id (at most 50; junk ignored)."""
    # ASCII digits only: "¹" and "٣" are `isdigit()` but `int()` refuses the first.
    ids = [int(str(v)) for v in values if _ASCII_ID.fullmatch(str(v))][:50]
    return list(Credential.objects.filter(pk__in=ids).select_related("profession"))


def credit_types_all() -> list[CreditType]:
    return list(CreditType.objects.all())


def credentials_all() -> QuerySet[Credential]:
    return Credential.objects.select_related("profession").order_by("abbreviation")


def specialties_top_level() -> QuerySet[Specialty]:
    return Specialty.objects.filter(parent__isnull=True).order_by("name")


def subspecialties_all() -> QuerySet[Specialty]:
    return (
        Specialty.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__name", "name")
    )
