from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import prefetch_related_objects
from django.db.models.expressions import RawSQL
from phonenumber_field.phonenumber import PhoneNumber

from celedger.core.cache import cached_reference
from celedger.profiles.models import LearnerProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from celedger.accounts.models import User


_CACHED = "_cached_learner_profile"
# Where a prefetch keeps `profile.credentials` (the many-to-many field's name).
_CREDENTIALS = "credentials"
# The credential table, cached as reference data (dropped when a credential changes).
CREDENTIALS_KEY = "credentials"


def profile_for_user(*, user: "User | AnonymousUser") -> LearnerProfile | None:
    """The user's profile, with its credentials' ids (for `credentials_prefetch`) in the
    same query; cached on the user object for the rest of the request."""
    if not user.is_authenticated:
        return None
    if hasattr(user, _CACHED):
        cached: LearnerProfile | None = getattr(user, _CACHED)
        return cached
    # The credentials' ids in the same statement; the credentials themselves are reference
    # data (cached, dropped when one changes: activities/signals.py).
    profile = (
        LearnerProfile.objects.filter(user=user)
        .select_related("profession", "specialty", "sub_specialty")
        .annotate(credential_ids=_credential_ids())
        .first()
    )
    setattr(user, _CACHED, profile)
    return profile


def _credential_ids() -> RawSQL:
    """The profile's credential ids as "1,7": a correlated subquery written out, as the
    ORM's `Subquery(StringAgg)` took more CPU to compile than the query it saves (on every
    signed-in page)."""
    through = LearnerProfile.credentials.through._meta.db_table
    quote = connection.ops.quote_name
    table, profile = quote(through), quote(LearnerProfile._meta.db_table)
    aggregate = (
        "string_agg(c.credential_id::text, ',')"
        if connection.vendor == "postgresql"
        else "group_concat(c.credential_id, ',')"
    )
    return RawSQL(
        f"SELECT {aggregate} FROM {table} c WHERE c.learnerprofile_id = {profile}.id", ()
    )


def credentials_prefetch(profile: LearnerProfile) -> None:
    """Fill `profile.credentials` as a prefetch would (ordered by abbreviation): from the
    ids `profile_for_user` read with the profile and the cached credential table (no
    query), else with a prefetch (a profile read elsewhere)."""
    from celedger.accreditation.models import Credential

    manager = profile.credentials
    cache = getattr(profile, "_prefetched_objects_cache", None)
    if cache is not None and _CREDENTIALS in cache:
        return
    if not hasattr(profile, "credential_ids"):
        prefetch_related_objects([profile], "credentials")
        return
    ids: str | int | None = profile.credential_ids
    wanted = {int(pk) for pk in str(ids).split(",")} if ids else set()
    every = cached_reference(CREDENTIALS_KEY, lambda: list(Credential.objects.all()))
    if not wanted <= {c.pk for c in every}:
        # A credential newer than the cached table: read them (the entry is dropped anyway).
        every = list(Credential.objects.filter(pk__in=wanted))
    queryset = manager.get_queryset()
    queryset._result_cache = sorted(
        (c for c in every if c.pk in wanted), key=lambda c: c.abbreviation
    )
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    if cache is None:
        cache = profile._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    cache[_CREDENTIALS] = queryset


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
