"""With Redis down, the site runs on the database alone and pages stay exact afterwards."""

import contextlib
import logging
import socket
import threading
import time

import pytest
from django.core.cache import cache as shared_cache
from django.core.management import CommandError, call_command
from redis import exceptions as redis_errors

from comments.models import Comment
from pagecache import backends
from pagecache import pages as pagecache
from pagecache.backends import RedisCache
from tests.comments.helpers import send
from tests.factories import make_post
from tests.test_settings import run_manage
from tests.test_shared_state import (
    Browser,
    comment_form,
    free_port,
    log_in,
    migrate_and_seed,
    server_env,
    start_server,
    wait_for,
)


def unreachable_cache(**options) -> RedisCache:
    """The project's Redis backend, pointed at a port where nothing listens."""
    return RedisCache(f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": options})


def cache_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kiji.cache"]


# The backend: misses and skipped writes instead of errors.


def test_an_unreachable_redis_reads_as_empty_and_writes_nothing(caplog, monkeypatch):
    # Every call tries the server (no pause), yet the outage is logged once.
    monkeypatch.setattr(backends, "PAUSE_SECONDS", 0)
    cache = unreachable_cache()

    with caplog.at_level(logging.WARNING, logger="kiji.cache"):
        answers = {
            "get": cache.get("k", "default"),
            "get_many": cache.get_many(["k", "l"]),
            "has_key": cache.has_key("k"),
            "in": "k" in cache,
            "get_or_set": cache.get_or_set("k", 7),
            "set": cache.set("k", 1),
            "set_many": cache.set_many({"k": 1, "l": 2}),
            "delete": cache.delete("k"),
            "delete_many": cache.delete_many(["k"]),
            "touch": cache.touch("k"),
            "add": cache.add("k", 1),
            "incr": cache.incr("k", 3),
            "decr": cache.decr("k"),
            "clear": cache.clear(),
        }

    assert answers == {
        "get": "default",
        "get_many": {},
        "has_key": False,
        "in": False,
        "get_or_set": 7,
        "set": None,
        "set_many": ["k", "l"],
        "delete": False,
        "delete_many": None,
        "touch": False,
        "add": True,
        "incr": 3,
        "decr": -1,
        "clear": False,
    }
    [warning] = cache_warnings(caplog)
    assert "Connection refused" in warning


def test_flood_control_lets_comments_through_while_redis_is_down(monkeypatch):
    from moderation import flood

    monkeypatch.setattr(flood, "cache", unreachable_cache())

    refusals = [flood.flood_check(scope="comment", ip="192.0.2.1", limit=1) for _ in range(3)]

    assert refusals == [None, None, None]


def test_mistakes_in_the_calling_code_still_raise():
    cache = unreachable_cache()

    with pytest.raises(TypeError, match="pickle"):
        cache.set("k", threading.Lock())


def test_a_silent_redis_costs_one_timeout_then_is_left_alone_for_a_while(caplog):
    with socket.socket() as silent:
        # Connections are accepted by the kernel and never answered.
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        cache = RedisCache(
            f"redis://127.0.0.1:{port}/0",
            {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
        )

        started = time.monotonic()
        first = cache.get("k", "missed")
        first_took = time.monotonic() - started
        started = time.monotonic()
        later = [cache.get_many(["k"]) for _ in range(20)]
        later_took = time.monotonic() - started

    assert first == "missed"
    assert 0.2 <= first_took < 1.5
    assert later == [{}] * 20
    assert later_took < 0.1
    assert "TimeoutError" in cache_warnings(caplog)[0]


class RefusingRedis(threading.Thread):
    """A Redis stand-in on 127.0.0.1 that reads as empty and answers every write with `refusal`.

    As a real server does when out of memory under `maxmemory` with no
    eviction, unable to save its snapshots (MISCONF), or a read-only replica.
    """

    READS = {b"GET": b"$-1\r\n", b"EXISTS": b":0\r\n", b"PING": b"+PONG\r\n"}

    def __init__(self, refusal: str) -> None:
        super().__init__(daemon=True)
        self.refusal = f"-{refusal}\r\n".encode()
        self.listener = socket.create_server(("127.0.0.1", 0))
        # Another test may have set a default socket timeout; this stand-in waits for
        # as long as the test process lives.
        self.listener.settimeout(None)
        self.port = self.listener.getsockname()[1]
        self.start()

    def run(self) -> None:
        while True:
            connection, _ = self.listener.accept()
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection: socket.socket) -> None:
        connection.settimeout(None)  # as the listener: idle clients are no error
        stream = connection.makefile("rb")
        with connection, contextlib.suppress(ConnectionError):
            while header := stream.readline():
                words = [
                    stream.readline() and stream.readline().strip() for _ in range(int(header[1:]))
                ]
                name = words[0].upper()
                if name == b"MGET":
                    reply = b"*%d\r\n" % (len(words) - 1) + b"$-1\r\n" * (len(words) - 1)
                elif name == b"CLIENT":
                    reply = b"+OK\r\n"
                else:
                    reply = self.READS.get(name, self.refusal)
                connection.sendall(reply)


REFUSALS = [
    "OOM command not allowed when used memory > 'maxmemory'.",
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
    "to disk.",
    "READONLY You can't write against a read only replica.",
]


@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_redis_refusing_writes_is_treated_as_unavailable(refusal, caplog, monkeypatch):
    monkeypatch.setattr(backends, "PAUSE_SECONDS", 0)
    server = RefusingRedis(refusal)
    cache = RedisCache(f"redis://127.0.0.1:{server.port}/0", {})

    with caplog.at_level(logging.WARNING, logger="kiji.cache"):
        answers = [cache.get("k", "missed"), cache.set("k", 1), cache.set_many({"k": 1})]
        answers += [cache.incr("k", 2), cache.get_many(["k", "l"])]

    assert answers == ["missed", None, ["k"], 2, {}]
    [warning] = cache_warnings(caplog)
    assert refusal.split()[-1] in warning


def test_other_redis_errors_still_raise():
    server = RefusingRedis("ERR unknown command 'SET', with args beginning with:")
    cache = RedisCache(f"redis://127.0.0.1:{server.port}/0", {})

    with pytest.raises(redis_errors.ResponseError, match="unknown command"):
        cache.set("k", 1)


def test_an_outage_is_logged_when_it_begins_and_when_it_ends(caplog):
    outage = backends.Outage()

    with caplog.at_level(logging.INFO, logger="kiji.cache"):
        for _ in range(3):
            outage.failed(ConnectionError("refused"))
        outage.answered()
        outage.answered()
        outage.failed(ConnectionError("refused again"))

    assert [(r.levelname, "refused" in r.getMessage()) for r in caplog.records] == [
        ("WARNING", True),
        ("INFO", False),
        ("WARNING", True),
    ]


SHOW_OPTIONS = (
    "from django.conf import settings; print(sorted(settings.CACHES['default']['OPTIONS'].items()))"
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "[('socket_connect_timeout', 0.5), ('socket_timeout', 1.0)]"),
        ("?socket_timeout=3", "[('socket_connect_timeout', 0.5), ('socket_timeout', 3)]"),
    ],
)
def test_redis_connections_time_out_by_default_and_the_url_can_say_otherwise(query, expected):
    env = {"DEBUG": "false", "SECRET_KEY": "s" * 60, "CACHE_URL": "redis://127.0.0.1:6379/8"}
    env["CACHE_URL"] += query

    result = run_manage(env, "shell", "--no-imports", "-c", SHOW_OPTIONS)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


# The page cache: a change made while the generation cannot be replaced.


@pytest.fixture
def owed(monkeypatch):
    """Restores the process's debt to nothing after the test."""
    monkeypatch.setattr(pagecache, "_owed_state", None)
    return monkeypatch


@pytest.mark.django_db
def test_pages_and_comments_work_while_redis_refuses_writes(client, settings, owed):
    server = RefusingRedis(REFUSALS[0])
    settings.CACHES = {
        "default": {
            "BACKEND": "pagecache.backends.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
        }
    }
    post = make_post("Still here")

    page = client.get(post.get_absolute_url())
    sent = send(client, post, text="Written while Redis is full.")

    assert page.status_code == 200
    assert sent.status_code == 302
    assert Comment.objects.filter(text="Written while Redis is full.").exists()
    # The new post's generation could not be stored: this process trusts none until it is.
    assert pagecache.invalidation_owed()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_change_made_during_an_outage_shows_once_redis_is_back_with_its_old_data(client, owed):
    post = make_post("Outage", body="Written before the outage.")
    url = post.get_absolute_url()
    page(client, url)
    assert "kiji_page_cache_fill" not in vars(client.get(url).wsgi_request)

    with owed.context() as outage:
        outage.setattr(pagecache, "cache", unreachable_cache())
        post.body = "Corrected during the outage."
        post.save()
        assert pagecache.invalidation_owed()
        assert "Corrected during the outage." in page(client, url)

    # Redis answers again and still holds the generation and the page from before.
    assert "Corrected during the outage." in page(client, url)
    assert not pagecache.invalidation_owed()


@pytest.mark.django_db
def test_the_debt_is_paid_at_the_start_of_the_next_request_of_any_kind(client, owed):
    before = pagecache.current_state()
    with owed.context() as outage:
        outage.setattr(pagecache, "cache", unreachable_cache())
        pagecache.invalidate_pages()

    assert shared_cache.get(pagecache.STATE_KEY) == before
    client.get("/admin/login/")

    assert shared_cache.get(pagecache.STATE_KEY)["generation"] != before["generation"]
    assert not pagecache.invalidation_owed()


@pytest.mark.django_db
def test_a_process_exiting_in_debt_pays_it_or_says_so(owed, caplog):
    before = pagecache.current_state()
    owed.setattr(pagecache, "cache", unreachable_cache())
    pagecache.invalidate_pages()

    with caplog.at_level(logging.WARNING, logger="kiji.cache"):
        pagecache._pay_owed_invalidation_at_exit()
    assert "invalidate_pages" in cache_warnings(caplog)[-1]

    owed.setattr(pagecache, "cache", shared_cache)
    pagecache._pay_owed_invalidation_at_exit()
    assert shared_cache.get(pagecache.STATE_KEY)["generation"] != before["generation"]


@pytest.mark.django_db
def test_the_invalidate_pages_command_fails_while_redis_is_down(owed):
    owed.setattr(pagecache, "cache", unreachable_cache())

    with pytest.raises(CommandError, match="unreachable"):
        call_command("invalidate_pages")


# A real app server whose Redis is down.


@pytest.mark.servers
def test_the_whole_site_works_with_redis_down(tmp_path):
    env = server_env(
        tmp_path / "db.sqlite3", f"redis://127.0.0.1:{free_port()}/0", COMMENTS_PER_MINUTE="1"
    )
    post_url = migrate_and_seed(env)
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("w") as stderr:
        process = start_server(env, port, stderr=stderr)
    try:
        wait_for(server + "/robots.txt")
        reader = Browser()
        assert reader.request(server + "/")[0] == 200
        status, _, post_page = reader.request(server + post_url)
        assert status == 200
        action, form = comment_form(post_page, "Reader", "reader@example.com")
        # Over the limit of one a minute: with no counters, flood control lets them in.
        statuses = [
            reader.request(server + action, {**form, "text": text})[0]
            for text in ("Sent while Redis was down", "And another one")
        ]
        assert statuses == [302, 302]

        editor = Browser()
        log_in(editor, server)
        status, _, desk = editor.request(server + "/admin/comments/comment/?q=Redis+was+down")
        assert status == 200
        assert "Sent while Redis was down" in desk
    finally:
        process.terminate()
        process.wait(timeout=30)

    output = log.read_text()
    assert output.count("Cache server unreachable") == 1, output
    assert "Traceback" not in output, output
