"""Each app process hears of new page generations as they are made, so a hit needs no round trip.

Without this, every page-cache hit asks the shared cache for the current
generation (pagecache/pages.py). With a Redis cache, a `GenerationWatcher`
thread in each process subscribes to a channel on which every process
announces each new generation it stores, and keeps the current generation in
memory. A hit served from the process's own copy of a page then needs no
network at all, as long as the watcher can vouch for what it holds.

Why nothing is served stale because a message was missed:

1. A change stores its new generation first and announces it after
   (`GenerationWatcher.announce`), so whoever hears the announcement and then
   reads the generation reads that one or a newer one.
2. The watcher does not believe what messages say: on every message it reads
   the generation from the cache, and until that read is done the process
   uses the round trip as before. What the watcher holds was therefore read
   after the last message it received.
3. A message still on its way through this machine counts as heard: a
   request trusts the watcher only while the watcher's socket has nothing
   unread and the watcher is not in the middle of reading. Redis writes an
   announcement to its subscribers in the same pass as it answers the
   PUBLISH, which the changing process awaits before it answers its own
   request; so by the time anyone can have seen that answer and asked
   another process for a page, the announcement is in that process's socket.
4. Redis delivers the messages of one connection in order and drops none
   while the connection lives; it closes a subscriber that falls behind
   rather than skip messages. The watcher vouches only while its connection
   is up: when it breaks (a dropped connection, a Redis restart) the process
   goes back to the round trip at once, and on reconnecting the watcher
   subscribes *before* it reads the generation, so no change falls in the gap.
5. A connection can also die silently (a network partition). The watcher
   sends a PING every `KIJI_PAGE_CACHE_WATCH_HEARTBEAT` seconds on the same
   connection, and vouches only while the last answer came within
   `KIJI_PAGE_CACHE_WATCH_BOUND` seconds; a lagging or stalled watcher thread
   falls out of the bound the same way. That bound is the longest a silent
   partition can go unnoticed.
6. The process that makes a change does not trust its watcher until its own
   announcement has come back (`announce` marks what it holds as unread).

A process that starts after a change reads the generation when its watcher
first subscribes; until then it uses the round trip. tests/pagecache/test_watch.py
proves each case against real Redis servers.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Callable

from redis import exceptions as redis_errors

logger = logging.getLogger("kiji.cache")
_READABLE = select.POLLIN | select.POLLPRI


class GenerationWatcher:
    """Keeps the shared page generation in memory while a subscription vouches for it.

    `client` is a `redis.Redis`; `read` returns the current generation from
    the cache (None when there is none); `channel` names this cache's channel.
    """

    def __init__(
        self,
        client,
        channel: str,
        read: Callable[[], dict | None],
        *,
        heartbeat: float,
        bound: float,
    ) -> None:
        self.client = client
        self.channel = channel
        self.read = read
        self.heartbeat = heartbeat
        self.bound = bound
        self._state: dict | None = None
        self._vouched = False
        self._last_pong = float("-inf")
        # Raised by `announce`: a read begun before it may be older than the change.
        self._changes = 0
        # Set before the watcher takes bytes off its socket, cleared once none are left
        # unread: with the socket's own readiness, requests see every message from
        # the moment it reaches this machine.
        self._reading = False
        self._fd: int | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self.connected = threading.Event()

    # -- what requests ask ---------------------------------------------------

    def state(self) -> tuple[bool, dict | None]:
        """(vouched, generation): when vouched is False, ask the shared cache instead."""
        if (
            not self._vouched
            or self._reading
            or time.monotonic() - self._last_pong > self.bound
            or self._unread()
        ):
            return False, None
        return True, self._state

    def _unread(self) -> bool:
        """Whether something arrived that the watcher has not read yet (or the socket closed)."""
        fd = self._fd
        if fd is None:
            return True
        # A poll object of its own: one poll object refuses two threads at once.
        poller = select.poll()
        poller.register(fd, _READABLE)
        return bool(poller.poll(0))

    def announce(self, state: dict) -> None:
        """Tell every process that `state` was just stored (call it after storing)."""
        with self._lock:
            self._changes += 1
            self._vouched = False
        try:
            self.client.publish(self.channel, state["generation"])
        except redis_errors.RedisError as error:
            # The others then learn of it from their heartbeat's bound or their
            # next reconnection; meanwhile this process keeps using the round trip.
            logger.warning("Could not announce a new page generation: %s", error)

    # -- the thread ------------------------------------------------------------

    def ensure_running(self) -> None:
        """Start the watcher thread in this process (again after a fork)."""
        pid = os.getpid()
        if self._pid == pid and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == pid and self._thread is not None and self._thread.is_alive():
                return
            # A forked child inherits the parent's memory but not its thread.
            self._vouched = False
            self._pid = pid
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name="kiji-page-generation-watcher", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._vouched = False
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        pause = 0.05
        while not self._stopping.is_set():
            try:
                self._watch()
                pause = 0.05
            except (redis_errors.RedisError, OSError) as error:
                logger.info("Page generation watcher lost its connection: %s", error)
            finally:
                self._vouched = False
                self.connected.clear()
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, 2.0)

    def _watch(self) -> None:
        pubsub = self.client.pubsub()
        try:
            self._subscribe(pubsub)
            connection = pubsub.connection
            poller = select.poll()
            poller.register(connection._sock.fileno(), _READABLE)
            self._fd = connection._sock.fileno()
            self.connected.set()
            self._refresh()
            next_ping = time.monotonic() + self.heartbeat
            while not self._stopping.is_set():
                wait = max(0.0, min(next_ping - time.monotonic(), 0.5))
                if poller.poll(wait * 1000):
                    self._read_all(pubsub)
                if time.monotonic() >= next_ping:
                    pubsub.ping()
                    next_ping = time.monotonic() + self.heartbeat
        finally:
            self._vouched = False
            self._fd = None
            self._reading = False
            pubsub.close()

    def _read_all(self, pubsub) -> None:
        """Handle every message that has arrived, including those already buffered."""
        self._reading = True
        while True:
            message = pubsub.get_message(timeout=0)
            if message is None:
                if pubsub.connection.can_read(timeout=0):
                    continue
                break
            if message["type"] == "pong":
                self._last_pong = time.monotonic()
                if not self._vouched:
                    self._refresh()
            elif message["type"] == "message":
                self._vouched = False
                self._refresh()
        self._reading = False

    def _subscribe(self, pubsub) -> None:
        pubsub.subscribe(self.channel)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.5)
            if message is not None and message["type"] == "subscribe":
                return
        raise redis_errors.TimeoutError("no confirmation of the subscription")

    def _refresh(self) -> None:
        """Read the generation; vouch for it if no change was announced here meanwhile."""
        changes = self._changes
        state = self.read()
        with self._lock:
            if changes != self._changes:
                return  # this process's own announcement will come and refresh again
            self._state = state
            self._last_pong = time.monotonic()
            self._vouched = True
