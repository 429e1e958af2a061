"""Django's Redis cache backend, keeping one client per connection pool and failing soft.

Django's own client builds a new `redis.Redis` object for every cache call,
and building one sets up its table of ~170 response callbacks: about a fifth
of a cached page's cost. A `redis.Redis` object is safe to share between
threads (each command takes a connection from the pool), so one per pool
is enough.

Redis only speeds the site up (sessions are `cached_db`, pages are rendered
from the database), so when it cannot be reached (connection refused or
reset, a timeout, Redis still loading its data) or refuses to work (out of
memory under `maxmemory` with no eviction, unable to save to disk, a
read-only replica) no request fails: each call answers as if the cache were
empty and wrote nothing.

* reads miss: `get` returns its default, `get_many` {}, `has_key` False;
* writes are not done: `set` and `delete_many` do nothing, `set_many`
  returns every key as failed (Django's way of saying "not stored"), and
  `delete`, `touch` and `clear` return False;
* `add` returns True and `incr` returns `delta`: a counter in the cache
  starts again from nothing, so flood control lets readers through rather
  than refusing them all (comments are moderated anyway).

After a failure the server is left alone for `PAUSE_SECONDS`, so a Redis
that does not answer at all costs one timeout now and then, not one per
call. One warning per process is logged (`kiji.cache`) when an outage
begins, one info when the server answers again. Any other error (a value
that cannot be pickled, a command Redis does not know) is raised as usual.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable

from django.core.cache.backends import redis
from redis import exceptions as redis_errors

logger = logging.getLogger("kiji.cache")

UNREACHABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError)
REFUSING = (redis_errors.OutOfMemoryError, redis_errors.ReadOnlyError)


def is_unavailable(error: redis_errors.RedisError) -> bool:
    """Whether `error` says the server can't be used for now, not that the call was wrong."""
    # redis-py has no class of its own for MISCONF (RDB snapshots failing,
    # so Redis refuses every write until they work again).
    return isinstance(error, UNREACHABLE + REFUSING) or str(error).startswith("MISCONF")


PAUSE_SECONDS = 5.0


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


class Outage:
    """Whether the server failed a moment ago; logs once when that begins and ends."""

    def __init__(self) -> None:
        self.down = False
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def pausing(self) -> bool:
        return self.down and time.monotonic() < self._retry_at

    def failed(self, error: Exception) -> None:
        with self._lock:
            began, self.down = not self.down, True
            self._retry_at = time.monotonic() + PAUSE_SECONDS
        if began:
            logger.warning(
                "Cache server unreachable or refusing, pages are rendered without it: %s: %s",
                type(error).__name__,
                error,
            )

    def answered(self) -> None:
        if not self.down:
            return
        with self._lock:
            ended, self.down = self.down, False
        if ended:
            logger.info("Cache server answers again.")


_outages: dict[tuple[str, ...], Outage] = {}


def _fail_soft(when_unreachable: Callable):
    """Run the method; if the server is unreachable, answer `when_unreachable(*args)` instead."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if self.outage.pausing():
                return when_unreachable(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except redis_errors.RedisError as error:
                if not is_unavailable(error):
                    raise
                self.outage.failed(error)
                return when_unreachable(*args, **kwargs)
            self.outage.answered()
            return result

        return wrapper

    return decorate


class RedisCache(redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        # Django makes a backend per thread; what they know of the server is shared.
        self.outage = _outages.setdefault(tuple(self._servers), Outage())

    @_fail_soft(lambda key, value, timeout=None, version=None: True)
    def add(self, *args, **kwargs):
        return super().add(*args, **kwargs)

    @_fail_soft(lambda key, default=None, version=None: default)
    def get(self, *args, **kwargs):
        return super().get(*args, **kwargs)

    @_fail_soft(lambda key, value, timeout=None, version=None: None)
    def set(self, *args, **kwargs):
        return super().set(*args, **kwargs)

    @_fail_soft(lambda key, timeout=None, version=None: False)
    def touch(self, *args, **kwargs):
        return super().touch(*args, **kwargs)

    @_fail_soft(lambda key, version=None: False)
    def delete(self, *args, **kwargs):
        return super().delete(*args, **kwargs)

    @_fail_soft(lambda keys, version=None: {})
    def get_many(self, *args, **kwargs):
        return super().get_many(*args, **kwargs)

    @_fail_soft(lambda key, version=None: False)
    def has_key(self, *args, **kwargs):
        return super().has_key(*args, **kwargs)

    @_fail_soft(lambda key, delta=1, version=None: delta)
    def incr(self, *args, **kwargs):
        return super().incr(*args, **kwargs)

    @_fail_soft(lambda data, timeout=None, version=None: list(data))
    def set_many(self, *args, **kwargs):
        return super().set_many(*args, **kwargs)

    @_fail_soft(lambda keys, version=None: None)
    def delete_many(self, *args, **kwargs):
        return super().delete_many(*args, **kwargs)

    @_fail_soft(lambda: False)
    def clear(self):
        return super().clear()
