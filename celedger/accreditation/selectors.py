from collections.abc import Iterable

from django.db.models import QuerySet

from celedger.accreditation.models import Credential, CreditType, Profession, Specialty


def credit_types_for_credentials(*, credentials: Iterable[Credential]) -> QuerySet[CreditType]:
    """The credit types the credentials' professions receive (union), in display order.

    MOC points and IPCE credit are left out: they depend on the activity (and, for MOC, on
    board membership and consent), not on the credentials.
    """
    profession_ids = {c.profession_id for c in credentials}
    return (
        CreditType.objects.filter(professions__in=profession_ids)
        .exclude(board__isnull=False)
        .exclude(is_ipce=True)
        .distinct()
        .order_by("sort_order", "name")
    )


def profession_for_credentials(*, credentials: Iterable[Credential]) -> Profession | None:
    """The profession a set of credentials implies: the first in profession order ("MD, PhD" is
    a physician)."""
    professions = [c.profession for c in credentials]
    if not professions:
        return None
    return min(professions, key=lambda p: (p.sort_order, p.name))


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
