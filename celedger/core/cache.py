"""Reference data read on every claim, cached across requests (issue 10).

Two layers. The shared cache is Redis when REDIS_URL is set (every app server sees one
invalidation) and local memory otherwise (the demo, one process; entries then live 30 s,
as another process's change cannot drop them). In front of it each process keeps the
objects it has read (`_LocalLayer`), so a warm hit costs neither a round trip nor
unpickling; a request reads one small *stamp* from the shared cache (the reference
generation and the drop counter, one MGET) and uses the local objects only while the stamp
is the one they were kept under. Every drop moves the stamp, so another process's change
is seen by this process's next request, as with the shared cache alone.

Entries are dropped by the code that changes what they hold (signal receivers on the
models); a TTL bounds any miss there, and a local copy never outlives its shared entry.
What must never break does not rest on the cache: the claim's balance takes the designated
maximum from the database row in the same UPDATE (credits/services.py `_balance_add`).

A hit is a copy: the model objects of the value and the ones they hold through
`select_related` (their fields cache) are new objects each time, so what a request sets on
them (an activity's status read again, `designation.activity`, a lazily loaded relation)
reaches no other request. Prefetched lists (a credit type's professions, a designation's
session UANs) are shared: read them, never change them. `shared=True` hands the value out
as it is kept (for values no caller changes: the credential table).
"""

import hashlib
import pickle
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models import Model
from django.db.models.base import ModelState

REFERENCE_SECONDS = 3600
LOCAL_SECONDS = 30
# A process keeps this many entries at most (a closing rush reads a few per activity).
LOCAL_ENTRIES = 512
_GENERATION_KEY = "reference:generation"
# Moved by every drop of single entries (`cached_reference_drop`, `cached_found_drop`):
# other processes' local copies of them are retired by it.
_DROPS_KEY = "reference:drops"
_STAMP_KEYS = [_GENERATION_KEY, _DROPS_KEY]

type Stamp = tuple[str, str]


class _RequestMemo(threading.local):
    """The stamp read once per request (a claim page asks for it four times).

    Set only between `request_started` and `request_finished`, per thread, so a worker or
    a shell, which has no request, reads it every time; a change made during the request
    replaces it at once. Another process's change is seen from this process's next request.
    """

    in_request = False
    stamp: Stamp | None = None


_memo = _RequestMemo()


def _request_started(**kwargs: Any) -> None:
    _memo.in_request, _memo.stamp = True, None


def _request_finished(**kwargs: Any) -> None:
    _memo.in_request, _memo.stamp = False, None


request_started.connect(_request_started, dispatch_uid="celedger.core.cache.started")
request_finished.connect(_request_finished, dispatch_uid="celedger.core.cache.finished")


class _LocalLayer:
    """This process's copies of shared entries, all kept under one stamp: a newer stamp
    read from the shared cache empties it (old generations go at once); least recently
    used entries go past `LOCAL_ENTRIES`. A request whose stamp is not the layer's (another
    thread read a newer one meanwhile) goes to the shared cache as before."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.stamp: Stamp | None = None
        self.entries: OrderedDict[str, tuple[Any, float]] = OrderedDict()
        self._lock = threading.Lock()

    def follow(self, stamp: Stamp) -> None:
        with self._lock:
            if stamp != self.stamp:
                self.stamp = stamp
                self.entries.clear()

    def get(self, stamp: Stamp, key: str) -> tuple[Any, float] | None:
        with self._lock:
            if stamp != self.stamp:
                return None
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[1] <= time.time():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, stamp: Stamp, key: str, value: Any, expires_at: float) -> None:
        with self._lock:
            if stamp != self.stamp:
                return
            self.entries[key] = (value, expires_at)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self.stamp = None
            self.entries.clear()


_local = _LocalLayer(LOCAL_ENTRIES)


def kept_seconds(seconds: int = REFERENCE_SECONDS) -> int:
    """How long a shared entry lives: `seconds` with Redis; in local memory, which is per
    process and so out of reach of another worker's change, briefly (`LOCAL_SECONDS`)."""
    return seconds if settings.REDIS_URL else LOCAL_SECONDS


def _stamp() -> Stamp:
    """The reference generation and the drop counter: one round trip, once per request."""
    if _memo.stamp is not None:
        return _memo.stamp
    found = cache.get_many(_STAMP_KEYS)
    if len(found) < len(_STAMP_KEYS):
        # Never back to an old value after an eviction: a fresh one nobody cached under.
        for key in _STAMP_KEYS:
            if key not in found:
                cache.add(key, uuid.uuid4().hex, None)
        found = cache.get_many(_STAMP_KEYS)
    # A cache that keeps nothing: a stamp of this read alone, nothing reused after it.
    stamp = (
        str(found.get(_GENERATION_KEY) or f"missing-{uuid.uuid4().hex}"),
        str(found.get(_DROPS_KEY) or f"missing-{uuid.uuid4().hex}"),
    )
    _local.follow(stamp)
    if _memo.in_request:
        _memo.stamp = stamp
    return stamp


def cache_get_with_stamp(key: str) -> Any:
    """`cache.get(key)`, reading the request's stamp in the same round trip when it is
    not read yet: the session store's read (`core/sessions.py`), the first of every
    signed-in page, so the page's reference entries then cost no round trip of their own.
    A stamp half missing is left to `_stamp`, which puts a fresh one in its place."""
    if not _memo.in_request or _memo.stamp is not None:
        return cache.get(key)
    found = cache.get_many([key, *_STAMP_KEYS])
    if all(part in found for part in _STAMP_KEYS):
        stamp = (str(found[_GENERATION_KEY]), str(found[_DROPS_KEY]))
        _local.follow(stamp)
        _memo.stamp = stamp
    return found.get(key)


def kept_here(keys: Iterable[str]) -> dict[str, Any]:
    """What this process keeps of these shared entries (`keep_here`) under the current
    stamp: values handed out as kept, so immutable ones only (rendered HTML)."""
    stamp = _stamp()
    found = {}
    for key in keys:
        entry = _local.get(stamp, key)
        if entry is not None:
            found[key] = entry[0]
    return found


def keep_here(values: Mapping[str, Any]) -> None:
    """Keep these values of shared entries in this process too, for `LOCAL_SECONDS` at
    most and only while the stamp stays: for entries whose every change moves the stamp
    (their drops go through `cached_found_drop` or `cached_reference_drop`), read or built
    by the caller from the shared cache."""
    stamp = _stamp()
    expires_at = time.time() + LOCAL_SECONDS
    for key, value in values.items():
        _local.put(stamp, key, value, expires_at)


def content_key(kind: str, shown: object, *parts: str) -> str:
    """The key of a piece kept by what it shows: `kind`, any `parts`, the page's language
    and a digest of `shown`'s repr (everything the markup depends on)."""
    from django.utils import translation

    digest = hashlib.md5(repr(shown).encode(), usedforsecurity=False).hexdigest()
    return ":".join([kind, *parts, translation.get_language() or "", digest])


def cached_content(key: str, build: Callable[[], str]) -> str:
    """A rendered piece keyed by everything it shows (a digest of it), so any copy under
    the key is right: this process's own first, then the shared cache, else `build()`
    (kept in both)."""
    html = kept_here([key]).get(key)
    if html is None:
        html = cache.get(key)
        if html is None:
            html = build()
            cache.set(key, html, kept_seconds())
        keep_here({key: html})
    return html


def _move(key: str) -> None:
    """A new value for one half of the stamp: this process follows it at once."""
    value = uuid.uuid4().hex
    cache.set(key, value, None)
    if _memo.in_request and _memo.stamp is not None:
        generation, drops = _memo.stamp
        _memo.stamp = (value, drops) if key == _GENERATION_KEY else (generation, value)
        _local.follow(_memo.stamp)
    else:
        _local.clear()


def reference_generation() -> str:
    """The current generation of the instance-wide reference tables (credit types,
    professions, boards): part of every cached entry's key, so one change retires all.
    Read from the cache with the drop counter once per request (`_RequestMemo`)."""
    return _stamp()[0]


def _new_generation() -> None:
    _move(_GENERATION_KEY)


def reference_changed() -> None:
    """A reference table changed: every entry keyed by the old generation is retired (now,
    and again on commit, as `cached_reference_drop`)."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _copy_model(instance: Model, copies: dict[int, Any]) -> Any:
    """`instance` and what it holds through select_related, as new objects (`copies`
    keeps a reverse one-to-one's cycle one object); prefetched lists shared. What
    `copy.copy` does for a model, without its pickling protocol (a third of the cost)."""
    done = copies.get(id(instance))
    if done is not None:
        return done
    new = _new_object(type(instance))
    copies[id(instance)] = new
    attributes = instance.__dict__.copy()
    state = _new_object(ModelState)
    state_attributes = attributes["_state"].__dict__.copy()
    state_attributes.pop("peers", None)
    fields_cache = state_attributes.get("fields_cache")
    if fields_cache is not None:
        state_attributes["fields_cache"] = {
            name: None if related is None else _copy_model(related, copies)
            for name, related in fields_cache.items()
        }
    state.__dict__ = state_attributes
    attributes["_state"] = state
    prefetched = attributes.get("_prefetched_objects_cache")
    if prefetched is not None:
        attributes["_prefetched_objects_cache"] = prefetched.copy()
    new.__dict__ = attributes
    return new


_new_object = object.__new__


def _copied(value: Any) -> Any:
    """What a hit hands out: lists, tuples, dicts and model objects new (above); the rest
    (ints, strings, booleans) as it is."""
    if isinstance(value, Model):
        return _copy_model(value, {})
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_copied(item) for item in value)
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    return value


def _cached[T](
    stamp: Stamp,
    key: str,
    build: Callable[[], T],
    *,
    seconds: int,
    keep_none: bool,
    shared: bool,
) -> T:
    local = _local.get(stamp, key)
    if local is not None:
        return local[0] if shared else _copied(local[0])  # type: ignore[no-any-return]
    hit = cache.get(key)
    # Kept as (value, expires_at), so a cached empty or None value is still a hit and the
    # local copy expires with the shared one. Anything else (another format) is a miss.
    if type(hit) is tuple and len(hit) == 2:
        value, expires_at = hit
        _local.put(stamp, key, value, expires_at)
        return value if shared else _copied(value)  # type: ignore[no-any-return]
    value = build()
    if keep_none or value is not None:
        _keep(stamp, key, value, seconds=seconds, shared=shared)
    return value


def _keep(stamp: Stamp, key: str, value: Any, *, seconds: int, shared: bool) -> None:
    seconds = kept_seconds(seconds)
    expires_at = time.time() + seconds
    cache.set(key, (value, expires_at), seconds)
    # The caller may change what it was given: the layer keeps a copy as the cache holds it.
    kept = value if shared else pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    _local.put(stamp, key, kept, expires_at)


def cached_reference[T](
    key: str, build: Callable[[], T], *, seconds: int = REFERENCE_SECONDS, shared: bool = False
) -> T:
    """`build()` once per key and reference generation (a None value kept too); each hit a
    copy unless `shared` (see the module's docstring)."""
    stamp = _stamp()
    return _cached(
        stamp,
        f"reference:{stamp[0]}:{key}",
        build,
        seconds=seconds,
        keep_none=True,
        shared=shared,
    )


def cached_reference_drop(key: str) -> None:
    """Forget one entry (the activity whose designations changed), here and in every
    process's local layer: now, and again when the change commits, so a request that read
    the old row in between cannot keep it cached."""
    full_key = f"reference:{reference_generation()}:{key}"

    def drop() -> None:
        cache.delete(full_key)
        _move(_DROPS_KEY)

    drop()
    transaction.on_commit(drop)


def cached_found[T](key: str, build: Callable[[], T | None]) -> T | None:
    """`build()` once per key, outside the reference generation (for rows that depend on
    no reference table: a session by its Event ID). A `None` (not found) is not kept, so a
    row created later is seen at once. Each hit is a copy: nothing a request sets on it
    reaches another."""
    return _cached(_stamp(), key, build, seconds=REFERENCE_SECONDS, keep_none=False, shared=False)


def cached_found_drop(keys: list[str]) -> None:
    """Forget entries of `cached_found`, here and in every process's local layer: now, and
    again when the change commits."""
    if not keys:
        return

    def drop() -> None:
        cache.delete_many(keys)
        _move(_DROPS_KEY)

    drop()
    transaction.on_commit(drop)
