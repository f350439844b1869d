"""The Redis cache reuses its redis-py client and still reads and writes."""

import pytest
from django.conf import settings

from celedger.core.redis_cache import RedisCache


def test_it_builds_one_client_per_pool_not_one_per_call() -> None:
    cache = RedisCache("redis://127.0.0.1:6379/15", {})
    reader = cache._cache.get_client("k")
    assert cache._cache.get_client("other") is reader
    assert cache._cache.get_client("k", write=True) is reader  # one server: one pool


def test_it_reads_from_the_other_servers_with_their_own_clients() -> None:
    cache = RedisCache("redis://127.0.0.1:6379/14,redis://127.0.0.1:6379/15", {})
    writer = cache._cache.get_client("k", write=True)
    reader = cache._cache.get_client("k")
    assert writer is not reader
    assert cache._cache.get_client("k") is reader
    assert writer.connection_pool.connection_kwargs["db"] == 14
    assert reader.connection_pool.connection_kwargs["db"] == 15


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_it_is_the_production_cache_and_round_trips() -> None:
    import config.settings as production

    assert production.CACHES["default"]["BACKEND"] == "celedger.core.redis_cache.RedisCache"
    cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "redis-cache-test"})
    cache.set("k", {"a": 1}, 30)
    assert cache.get("k") == {"a": 1}
    assert cache.get_many(["k", "missing"]) == {"k": {"a": 1}}
    cache.delete("k")
    assert cache.get("k") is None
