"""While the generation watcher vouches, a page-cache hit asks Redis nothing, and is never stale.

Each test runs its own redis-server on a free loopback port (so it can kill,
restart and count the commands of that server alone); pagecache/watch.py
says why these cases are all there is to prove.
"""

import os
import pickle
import shutil
import threading
import time

import pytest

from pagecache import pages
from tests.pagecache.conftest import RedisServer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("KIJI_REQUIRE_REDIS") and not shutil.which("redis-server"),
        reason="redis-server is not installed",
    ),
]


def wait_until(condition, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def vouched() -> bool:
    return pages.generation_watcher().state()[0]


def served(client, post) -> tuple[str, str]:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response["X-Page-Cache"], response.content.decode()


def warm(client, post) -> None:
    """Render and store the page, and wait until the watcher vouches for its generation."""
    client.get(post.get_absolute_url())
    wait_until(vouched)
    assert served(client, post)[0] == "hit"


def hold(watcher, method: str, monkeypatch) -> threading.Event:
    """Make the watcher thread wait at `method` until the returned event is set."""
    original = getattr(watcher, method)
    release = threading.Event()

    def held(*args):
        release.wait(10)
        return original(*args)

    monkeypatch.setattr(watcher, method, held)
    return release


def other_process_changes_the_generation(server: RedisServer, *, announce: bool = True) -> None:
    """What another app server's `invalidate_pages()` does to Redis: store, then announce."""
    watcher = pages.generation_watcher()
    key = pages.caches["default"].make_and_validate_key(pages.STATE_KEY)
    state = {"generation": "elsewhere", "changed_at": int(time.time()), "next_change": None}
    server.client().set(key, pickle.dumps(state, pickle.HIGHEST_PROTOCOL))
    if announce:
        server.client().publish(watcher.channel, b"elsewhere")


def test_a_hit_asks_redis_nothing_while_the_watcher_vouches(client, settings, shared_cache, post):
    # No heartbeat answer lands during the hits: one still unread makes a hit ask
    # Redis, as it should, which on a busy machine would make this test flaky.
    settings.KIJI_PAGE_CACHE_WATCH_HEARTBEAT = 30
    settings.KIJI_PAGE_CACHE_WATCH_BOUND = 60
    warm(client, post)
    shared_cache.reset()

    statuses = [served(client, post)[0] for _ in range(20)]

    assert statuses == ["hit"] * 20
    assert shared_cache.reads() == 0


def test_without_a_watcher_every_hit_asks_for_the_generation(client, settings, shared_cache, post):
    settings.KIJI_PAGE_CACHE_WATCH = False
    client.get(post.get_absolute_url())
    shared_cache.reset()

    statuses = [served(client, post)[0] for _ in range(5)]

    assert statuses == ["hit"] * 5
    assert shared_cache.reads() == 5


def test_a_change_announced_by_another_process_is_seen_on_the_next_request(
    client, shared_cache, post
):
    warm(client, post)

    other_process_changes_the_generation(shared_cache)

    # No waiting: the announcement is in this process's socket, read or not.
    assert served(client, post)[0] == "miss"


def test_a_change_made_here_shows_at_once_and_the_watch_vouches_again(client, shared_cache, post):
    warm(client, post)

    post.body = "Second words."
    post.save()

    status, page = served(client, post)
    assert status == "miss"
    assert "Second words." in page
    wait_until(vouched)
    shared_cache.reset()
    assert served(client, post)[0] == "hit"
    assert shared_cache.reads() == 0


def test_a_dropped_connection_falls_back_to_asking_until_the_watch_is_back(
    client, shared_cache, post, monkeypatch
):
    warm(client, post)
    watcher = pages.generation_watcher()
    may_reconnect = hold(watcher, "_subscribe", monkeypatch)

    shared_cache.client().client_kill_filter(_type="pubsub")
    wait_until(lambda: not watcher.connected.is_set())
    # A change the watcher cannot hear: not announced to anyone.
    other_process_changes_the_generation(shared_cache, announce=False)

    assert served(client, post)[0] == "miss"
    assert not vouched()
    may_reconnect.set()
    wait_until(vouched)
    assert watcher.state()[1]["generation"] == "elsewhere"
    shared_cache.reset()
    assert served(client, post)[0] == "hit"
    assert shared_cache.reads() == 0


def test_a_redis_restart_loses_nothing(client, shared_cache, post, monkeypatch):
    monkeypatch.setattr("pagecache.backends.PAUSE_SECONDS", 0.05)
    warm(client, post)
    watcher = pages.generation_watcher()

    shared_cache.stop()
    wait_until(lambda: not watcher.connected.is_set())
    post.body = "Written while Redis was down."
    post.save()
    shared_cache.start()
    time.sleep(0.1)  # the cache backend's pause after a failure

    status, page = served(client, post)
    assert "Written while Redis was down." in page
    wait_until(lambda: served(client, post)[0] == "hit" and vouched())
    shared_cache.reset()
    status, page = served(client, post)
    assert (status, shared_cache.reads()) == ("hit", 0)
    assert "Written while Redis was down." in page


def test_a_watcher_that_stops_hearing_its_heartbeat_falls_back(
    client, settings, shared_cache, post
):
    settings.KIJI_PAGE_CACHE_WATCH_HEARTBEAT = 60
    settings.KIJI_PAGE_CACHE_WATCH_BOUND = 0.3
    warm(client, post)

    time.sleep(0.4)  # no PING answered within the bound

    assert not vouched()
    shared_cache.reset()
    assert served(client, post)[0] == "hit"
    assert shared_cache.reads() == 1


def test_a_process_that_starts_after_a_change_reads_it_first(client, shared_cache, post):
    client.get(post.get_absolute_url())
    other_process_changes_the_generation(shared_cache, announce=False)

    pages._forget_watcher(setting="CACHES")  # as if this process had just started
    watcher = pages.generation_watcher()
    wait_until(vouched)

    assert watcher.state()[1]["generation"] == "elsewhere"
    assert served(client, post)[0] == "miss"


def test_an_announcement_not_yet_read_by_the_watcher_already_counts(
    client, shared_cache, post, monkeypatch
):
    warm(client, post)
    watcher = pages.generation_watcher()
    may_read = hold(watcher, "_read_all", monkeypatch)
    time.sleep(0.05)

    other_process_changes_the_generation(shared_cache)
    time.sleep(0.05)  # delivered to this machine, still unread by the watcher

    try:
        assert served(client, post)[0] == "miss"
    finally:
        may_read.set()

    def heard() -> bool:
        vouched, state = watcher.state()
        return vouched and state["generation"] == "elsewhere"

    wait_until(heard)


@pytest.mark.servers
def test_two_app_servers_hear_each_other_and_their_hits_ask_redis_nothing(redis_server, tmp_path):
    """Two gunicorn servers on one Redis: a change through one is on the other at once."""
    from tests.test_shared_state import (
        Browser,
        approve_on,
        migrate_and_seed,
        server_env,
        start_server,
        wait_for,
    )
    from tests.test_shared_state import free_port as port

    env = server_env(tmp_path / "db.sqlite3", f"redis://127.0.0.1:{redis_server.port}/0")
    post_url = migrate_and_seed(env)
    first, second = (f"http://127.0.0.1:{n}" for n in (port(), port()))
    processes = [start_server(env, int(server.rsplit(":", 1)[1])) for server in (first, second)]
    try:
        for server in (first, second):
            wait_for(server + "/robots.txt")
        reader = Browser()
        same_host = {"Host": "127.0.0.1"}  # behind one proxy

        def page(server):
            status, headers, body = reader.request(server + post_url, headers=same_host)
            assert status == 200
            return headers["X-Page-Cache"], body

        for server in (first, second, first, second):
            page(server)

        def hits_without_reads(server) -> bool:
            redis_server.reset()
            return [page(server)[0] for _ in range(5)] == ["hit"] * 5 and redis_server.reads() == 0

        wait_until(lambda: hits_without_reads(second), seconds=10)

        approve_on(first, "Approved on one server")

        status, body = page(second)
        assert status in ("miss", "wait")
        assert "Approved on one server, seen on the other" in body
        wait_until(lambda: hits_without_reads(second), seconds=10)
        assert "Approved on one server, seen on the other" in page(first)[1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
