"""The shared Redis cache backend: Django's, with one Redis client per connection pool;
and names for what one installation keeps in a Redis other installations may share.

Django's backend builds a new ``redis.Redis`` for every cache operation, and building one
registers a couple of hundred response callbacks: that cost more than the round trip to
Redis itself (about a third of a cached quote page's time). A client is thread-safe and
takes a connection from its pool for each command, so one client per pool is enough.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.db import connection


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:  # pools live as long as this object: their ids are not reused
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[id(pool)] = client
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient


def database_scoped(name: str, db: Mapping[str, Any] | None = None) -> str:
    """``name`` for this installation's database (by default this process's): keys holding
    row ids or "work is queued" flags must not meet those of installations, test or bench
    runs with another database that share the same Redis and key prefix."""
    db = db if db is not None else connection.settings_dict
    where = f"{db.get('HOST') or ''}:{db.get('PORT') or ''}/{db.get('NAME') or ''}"
    return f"{name}:{hashlib.sha256(where.encode()).hexdigest()[:12]}"
