from typing import TYPE_CHECKING, Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import prefetch_related_objects
from django.db.models.expressions import RawSQL
from phonenumber_field.phonenumber import PhoneNumber

from celedger.core.cache import cached_reference, cached_reference_drop
from celedger.core.rows import model_columns
from celedger.profiles.models import LearnerProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from celedger.accounts.models import User


_CACHED = "_cached_learner_profile"
# Where a prefetch keeps `profile.credentials` (the many-to-many field's name).
_CREDENTIALS = "credentials"


def profile_for_user(*, user: "User | AnonymousUser") -> LearnerProfile | None:
    """The user's profile with its profession, specialties and credentials' ids (for
    `credentials_prefetch`); cached on the user object for the rest of the request.

    Queries: 1. Warm, the profile's own row (`_profile_row`, no ORM) and its
    profession and specialties from the cache; cold (first request, or after a change),
    the profile joined to them, which fills the cache.
    """
    if not user.is_authenticated:
        return None
    if hasattr(user, _CACHED):
        cached: LearnerProfile | None = getattr(user, _CACHED)
        return cached
    profile = _profile_with_references(user_id=user.pk)
    setattr(user, _CACHED, profile)
    return profile


def _profile_row(*, user_id: int) -> LearnerProfile | None:
    """The profile's own row and its credentials' ids, as written out SQL: the ORM compiled
    the same statement afresh on every request (with its three joins, about a fifth of the
    claim page's CPU)."""
    using = router.db_for_read(LearnerProfile)
    conn = connections[using]
    table = LearnerProfile._meta.db_table
    columns = model_columns(LearnerProfile, alias=table, using=using)
    quote = conn.ops.quote_name
    sql = (
        f"SELECT {columns.sql}, ({_credential_ids_sql(conn)}) AS credential_ids "
        f"FROM {quote(table)} WHERE {quote(table)}.{quote('user_id')} = %s"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    profile = columns.instance(row, using=using)
    profile.credential_ids = row[columns.end]  # type: ignore[attr-defined]
    return profile


def _credential_ids_sql(conn: BaseDatabaseWrapper) -> str:
    """The profile's credential ids as "1,7": a correlated subquery written out, as the
    ORM's `Subquery(StringAgg)` took more CPU to compile than the query it saves (on every
    signed-in page)."""
    through = LearnerProfile.credentials.through._meta.db_table
    quote = conn.ops.quote_name
    table, profile = quote(through), quote(LearnerProfile._meta.db_table)
    aggregate = (
        "string_agg(c.credential_id::text, ',')"
        if conn.vendor == "postgresql"
        else "group_concat(c.credential_id, ',')"
    )
    return f"SELECT {aggregate} FROM {table} c WHERE c.learnerprofile_id = {profile}.id"


def profile_references_key(user_id: int) -> str:
    """The cache entry of a learner's profession and specialties (dropped when the profile
    is saved, retired with the reference generation when a profession or specialty
    changes: profiles/apps.py)."""
    return f"profile-references:{user_id}"


# The profile's foreign keys as the row holds them, then the rows they name; None: no profile.
type _References = tuple[tuple[int, int, int | None], Any, Any, Any] | None
_RELATED = ("profession", "specialty", "sub_specialty")


def _profile_with_references(*, user_id: int) -> LearnerProfile | None:
    """One entry per learner, not the tables: unpickling 105 specialties on every request
    cost more than the join."""
    joined: list[LearnerProfile | None] = []

    def build() -> _References:
        profile = (
            LearnerProfile.objects.filter(user_id=user_id)
            .select_related(*_RELATED)
            .annotate(credential_ids=_credential_ids())
            .first()
        )
        joined.append(profile)
        if profile is None:
            return None
        return (_foreign_ids(profile), *(getattr(profile, name) for name in _RELATED))

    entry = cached_reference(profile_references_key(user_id), build)
    if joined:
        return joined[0]
    profile = _profile_row(user_id=user_id)
    if profile is None:
        return None
    if entry is not None and entry[0] == _foreign_ids(profile):
        fields_cache = profile._state.fields_cache
        for name, value in zip(_RELATED, entry[1:], strict=True):
            if value is not None:
                fields_cache[name] = value
    else:
        # Changed by a write that sent no signal (a bulk update): the lazy lookups read
        # the rows, and the next request fills the entry again.
        cached_reference_drop(profile_references_key(user_id), everywhere=False)
    return profile


def _foreign_ids(profile: LearnerProfile) -> tuple[int, int, int | None]:
    return (profile.profession_id, profile.specialty_id, profile.sub_specialty_id)


def _credential_ids() -> RawSQL:
    return RawSQL(_credential_ids_sql(connections[router.db_for_read(LearnerProfile)]), ())


def credentials_prefetch(profile: LearnerProfile) -> None:
    """Fill `profile.credentials` as a prefetch would (ordered by abbreviation): from the
    ids `profile_for_user` read with the profile and the cache (no query; one entry per
    set of credentials, not the whole table), else with a prefetch (a profile read
    elsewhere)."""
    from celedger.accreditation.models import Credential

    manager = profile.credentials
    cache = getattr(profile, "_prefetched_objects_cache", None)
    if cache is not None and _CREDENTIALS in cache:
        return
    if not hasattr(profile, "credential_ids"):
        prefetch_related_objects([profile], "credentials")
        return
    ids: str | int | None = profile.credential_ids
    wanted = sorted({int(pk) for pk in str(ids).split(",")}) if ids else []
    chosen = (
        cached_reference(
            credentials_key(wanted),
            lambda: sorted(Credential.objects.filter(pk__in=wanted), key=lambda c: c.abbreviation),
        )
        if wanted
        else []
    )
    queryset = manager.get_queryset()
    queryset._result_cache = chosen
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    if cache is None:
        cache = profile._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    cache[_CREDENTIALS] = queryset


def credentials_key(ids: list[int]) -> str:
    """The cache entry of one set of credentials (retired when any credential changes)."""
    return f"credentials:{','.join(map(str, ids))}"


def profile_find_duplicate(*, last_name_key: str, phone: PhoneNumber) -> LearnerProfile | None:
    """An existing profile with this folded last name and E.164 phone (the sign-up check)."""
    if not last_name_key:
        return None
    return (
        LearnerProfile.objects.filter(last_name_key=last_name_key, phone=phone)
        .select_related("user")
        .order_by("pk")
        .first()
    )
