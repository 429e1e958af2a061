"""Django's Redis cache backend, keeping one client per connection pool.

Django's own client builds a new `redis.Redis` object for every cache call,
and building one sets up its table of ~170 response callbacks: about a fifth
of a cached page's cost. A `redis.Redis` object is safe to share between
threads (each command takes a connection from the pool), so one per pool
is enough. Everything else is Django's backend unchanged.
"""

from django.core.cache.backends import redis


class ReusedClientRedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
