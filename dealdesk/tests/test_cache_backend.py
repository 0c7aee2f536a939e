"""The shared cache reuses one Redis client per connection pool instead of building one
for every operation, and still works as Django's cache."""

from typing import Any

from django.core.cache import cache, caches


def test_the_cache_reuses_its_redis_client() -> None:
    backend: Any = cache._cache  # type: ignore[attr-defined]
    client = backend.get_client("a", write=True)

    assert backend.get_client("b", write=True) is client
    assert backend.get_client("c") is client  # one server: reads use the same pool


def test_the_cache_stores_reads_adds_and_deletes() -> None:
    cache.set("greeting", {"text": "hello"}, 30)

    assert cache.get("greeting") == {"text": "hello"}
    assert not cache.add("greeting", "again", 30)
    assert cache.delete("greeting")
    assert cache.add("greeting", "again", 30)


def test_every_alias_is_the_shared_backend() -> None:
    from dealdesk.cache import RedisCache

    assert all(isinstance(caches[alias], RedisCache) for alias in ("default", "ratelimit"))


def test_names_kept_for_a_database_differ_between_databases() -> None:
    from dealdesk.cache import database_scoped

    here = database_scoped("quote-visits:pending")
    same = database_scoped("quote-visits:pending")
    elsewhere = database_scoped("quote-visits:pending", {"HOST": "db2", "NAME": "dealdesk"})

    assert here == same
    assert here != elsewhere
    assert here.startswith("quote-visits:pending:")
