"""Reference data read on every claim, cached across requests (issue 10).

The shared cache is Redis when REDIS_URL is set (every app server sees one invalidation)
and local memory otherwise (the demo, one process; entries then live 30 s, as another
process's change cannot drop them). Entries are dropped by the code that changes what they
hold (signal receivers on the models); a TTL bounds any miss there. What must never break
does not rest on the cache: the claim's balance takes the designated maximum from the
database row in the same UPDATE (credits/services.py `_balance_add`).
"""

import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

REFERENCE_SECONDS = 3600
LOCAL_SECONDS = 30
_GENERATION_KEY = "reference:generation"


class _RequestMemo(threading.local):
    """The generation read once per request (a claim page asks for it three times).

    Set only between `request_started` and `request_finished`, per thread, so a worker or
    a shell, which has no request, reads it every time; a change made during the request
    replaces it at once. Another process's change is seen from this process's next request.
    """

    in_request = False
    generation: str | None = None


_memo = _RequestMemo()


def _request_started(**kwargs: Any) -> None:
    _memo.in_request, _memo.generation = True, None


def _request_finished(**kwargs: Any) -> None:
    _memo.in_request, _memo.generation = False, None


request_started.connect(_request_started, dispatch_uid="celedger.core.cache.started")
request_finished.connect(_request_finished, dispatch_uid="celedger.core.cache.finished")


def reference_generation() -> str:
    """The current generation of the instance-wide reference tables (credit types,
    professions, boards): part of every cached entry's key, so one change retires all.
    Read from the cache once per request (`_RequestMemo`)."""
    if _memo.generation is not None:
        return _memo.generation
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        # Never back to an old value after an eviction: a fresh one nobody cached under.
        cache.add(_GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(_GENERATION_KEY) or "missing"
    if _memo.in_request:
        _memo.generation = str(generation)
    return str(generation)


def _new_generation() -> None:
    generation = uuid.uuid4().hex
    cache.set(_GENERATION_KEY, generation, None)
    if _memo.in_request:
        _memo.generation = generation


def reference_changed() -> None:
    """A reference table changed: every entry keyed by the old generation is retired (now,
    and again on commit, as `cached_reference_drop`)."""
    _new_generation()
    transaction.on_commit(_new_generation)


def cached_reference[T](
    key: str, build: Callable[[], T], *, seconds: int = REFERENCE_SECONDS
) -> T:
    """`build()` once per key and reference generation; kept as a 1-tuple so a cached
    empty or None value is still a hit."""
    full_key = f"reference:{reference_generation()}:{key}"
    hit = cache.get(full_key)
    if hit is not None:
        return hit[0]  # type: ignore[no-any-return]
    value = build()
    # Local memory is per process: another worker's change cannot reach it, so keep briefly.
    cache.set(full_key, (value,), seconds if settings.REDIS_URL else LOCAL_SECONDS)
    return value


def cached_reference_drop(key: str) -> None:
    """Forget one entry (the activity whose designations changed): now, and again when the
    change commits, so a request that read the old row in between cannot keep it cached."""
    full_key = f"reference:{reference_generation()}:{key}"
    cache.delete(full_key)
    transaction.on_commit(lambda: cache.delete(full_key))


def cached_found[T](key: str, build: Callable[[], T | None]) -> T | None:
    """`build()` once per key, outside the reference generation (for rows that depend on
    no reference table: a session by its Event ID). A `None` (not found) is not kept, so a
    row created later is seen at once. Each hit is unpickled afresh: nothing is shared
    between requests."""
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = build()
    if value is not None:
        cache.set(key, value, REFERENCE_SECONDS if settings.REDIS_URL else LOCAL_SECONDS)
    return value


def cached_found_drop(keys: list[str]) -> None:
    """Forget entries of `cached_found`: now, and again when the change commits."""
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
