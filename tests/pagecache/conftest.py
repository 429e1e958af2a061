"""A redis-server of the test's own, for tests of what the page cache does across processes."""

import socket
import subprocess
import time

import pytest
import redis
from django.utils import timezone

from blog.models import Post
from pagecache import pages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of our own on 127.0.0.1, that a test can restart."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)

    def reads(self) -> int:
        """GET and MGET commands this server has run since the last `reset()`."""
        stats = self.client().info("commandstats")
        return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("get", "mget"))

    def reset(self) -> None:
        self.client().config_resetstat()


@pytest.fixture
def redis_server():
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def shared_cache(settings, redis_server):
    settings.CACHES = {
        "default": {
            "BACKEND": "pagecache.backends.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_server.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    settings.KIJI_PAGE_CACHE_SECONDS = 3600
    settings.KIJI_PAGE_CACHE_WATCH = True
    yield redis_server
    pages._forget_watcher(setting="CACHES")


@pytest.fixture
def post(admin_user):
    return Post.objects.create(
        title="Watched",
        body="First words.",
        author=admin_user,
        status=Post.Status.PUBLISHED,
        published_at=timezone.now(),
    )
