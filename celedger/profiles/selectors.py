from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import prefetch_related_objects
from django.db.models.expressions import RawSQL
from phonenumber_field.phonenumber import PhoneNumber

from celedger.core.cache import cached_reference
from celedger.core.rows import ModelColumns, model_columns
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

    Queries: 1, the profile's own row (`_profile_row`, no ORM); its profession and
    specialties from the cache (one entry per row, read once per reference generation).
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
    return None if row is None else _profile_of(row, columns, using=using)


def _profile_of(
    row: Sequence[Any], columns: "ModelColumns[LearnerProfile]", *, using: str
) -> LearnerProfile:
    profile = columns.instance(row, using=using)
    profile.credential_ids = row[columns.end]  # type: ignore[attr-defined]
    return profile


def user_with_profile(*, user_id: int, also: dict[str, str] | None = None) -> "User | None":
    """The session's user and their profile in one statement (the authentication backends'
    `get_user`, on every signed-in request): the profile, with its profession and
    specialties from the cache, is what `profile_for_user` then returns without a query.
    A user without a profile (staff) reads as before, the profile's columns empty.

    `also`: more columns read with the row, each an SQL expression on the user's table
    (`"accounts_user"."id"`), set on the user under its name (the caller's flags)."""
    from celedger.accounts.models import User

    using = router.db_for_read(User)
    conn = connections[using]
    quote = conn.ops.quote_name
    users, table = quote(User._meta.db_table), LearnerProfile._meta.db_table
    user_columns = model_columns(User, alias=User._meta.db_table, using=using)
    profile_columns = model_columns(
        LearnerProfile, alias=table, using=using, start=user_columns.end
    )
    extra = also or {}
    extra_sql = "".join(f", ({expression})" for expression in extra.values())
    sql = (
        f"SELECT {user_columns.sql}, {profile_columns.sql}, "
        f"({_credential_ids_sql(conn)}) AS credential_ids{extra_sql} FROM {users} "
        f"LEFT JOIN {quote(table)} ON {quote(table)}.{quote('user_id')} = {users}.{quote('id')} "
        f"WHERE {users}.{quote('id')} = %s"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user = user_columns.instance(row, using=using)
    for position, name in enumerate(extra, start=profile_columns.end + 1):
        setattr(user, name, row[position])
    profile = None
    if row[profile_columns.start] is not None:
        profile = _with_references(_profile_of(row, profile_columns, using=using))
        profile._state.fields_cache["user"] = user
    setattr(user, _CACHED, profile)
    return user


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


_RELATED = ("profession", "specialty", "sub_specialty")


def _profile_with_references(*, user_id: int) -> LearnerProfile | None:
    """The profile's own row, with its profession and specialties from the cache: one
    entry per row, shared by every learner, so a learner's first page finds them warm too
    (a per-learner entry was built, with the ORM's four-table join, on each learner's first
    page: the closing rush's program page). Retired with the reference generation when a
    profession or specialty changes (profiles/apps.py); a saved profile needs no drop, as
    its row is read on every request."""
    profile = _profile_row(user_id=user_id)
    return None if profile is None else _with_references(profile)


def _with_references(profile: LearnerProfile) -> LearnerProfile:
    fields_cache = profile._state.fields_cache
    for name in _RELATED:
        pk = getattr(profile, f"{name}_id")
        if pk is not None:
            row = _reference_row(LearnerProfile._meta.get_field(name).related_model, pk)
            if row is not None:
                fields_cache[name] = row
    return profile


def _reference_row(model: Any, pk: int) -> Any:
    return cached_reference(
        f"{model._meta.label_lower}:{pk}", lambda: model._default_manager.filter(pk=pk).first()
    )


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
