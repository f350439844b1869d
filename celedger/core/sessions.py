"""Django's cached, database-backed sessions, with the session read and the request's
reference stamp (`core/cache.py`) in one round trip to Redis (issue 10).

The session is the first thing every signed-in page reads, and the stamp the second: one
MGET answers both, so a warm page's reference entries, served from the process's own
copies, then cost no round trip at all. A session missing from the cache is read from the
database as Django does (`cached_db`), a second cache read only then.
"""

from typing import Any

from django.contrib.sessions.backends import cached_db

from celedger.core.cache import cache_get_with_stamp


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        try:
            data = cache_get_with_stamp(self.cache_key)
        except Exception:
            # As Django's: a backend may refuse an odd key; the session starts anew.
            data = None
        if data is None:
            return super().load()
        return data  # type: ignore[no-any-return]
