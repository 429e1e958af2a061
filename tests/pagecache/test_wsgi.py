"""Vouched local hits are answered before Django's request cycle (pagecache/wsgi.py).

Every request here goes through the project's WSGI application, as gunicorn
sends it, against a redis-server of the test's own (tests/pagecache/test_watch.py).
"""

import io
import re
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.middleware.csrf import _unmask_cipher_token

from pagecache import pages
from pagecache.wsgi import PageCacheHandler
from tests.pagecache.test_watch import pytestmark, vouched, wait_until

__all__ = ["pytestmark"]


@pytest.fixture
def app(shared_cache, settings):
    settings.ALLOWED_HOSTS = ["blog.example"]
    return PageCacheHandler()


@pytest.fixture
def cycles():
    """Requests that went through Django's request cycle."""
    started = []

    def count(**kwargs):
        started.append(kwargs["environ"]["PATH_INFO"])

    request_started.connect(count)
    yield started
    request_started.disconnect(count)


def environ(path: str, **extra) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "blog.example",
        "SERVER_PORT": "80",
        "HTTP_HOST": "blog.example",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_ACCEPT": "text/html",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **extra,
    }


def call(app, path: str, **extra) -> tuple[str, dict, list[str], bytes]:
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = status
        answer["headers"] = headers

    response = app(environ(path, **extra), start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()
    headers = dict(answer["headers"])
    cookies = [value for name, value in answer["headers"] if name == "Set-Cookie"]
    return answer["status"], headers, cookies, body


def warm(app, post) -> None:
    call(app, post.get_absolute_url())
    wait_until(vouched)
    assert call(app, post.get_absolute_url())[1]["X-Page-Cache"] == "hit"


def test_a_vouched_hit_skips_the_request_cycle_and_answers_as_django_would(app, post, cycles):
    warm(app, post)
    cycles.clear()

    fast = call(app, post.get_absolute_url())
    assert cycles == []
    django = call(WSGIHandler(), post.get_absolute_url())
    assert cycles == [post.get_absolute_url()]

    for status, headers, cookies, body in (fast, django):
        assert status == "200 OK"
        assert headers["X-Page-Cache"] == "hit"
        # Security headers from SecurityMiddleware, above the page cache, and the
        # stored ones from the rest of the stack.
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "Content-Security-Policy" in headers
        assert headers["Content-Length"] == str(len(body))
        assert len(cookies) == 1 and cookies[0].startswith(" csrftoken=")
    # Each visitor has a secret of their own, with the same cookie attributes.
    assert re.sub("csrftoken=[^;]+", "", fast[2][0]) == re.sub("csrftoken=[^;]+", "", django[2][0])
    assert {k: v for k, v in fast[1].items() if k not in {"Date", "Set-Cookie"}} == {
        k: v for k, v in django[1].items() if k not in {"Date", "Set-Cookie"}
    }
    assert _without_tokens(fast[3]) == _without_tokens(django[3])


def test_the_form_on_a_fast_hit_carries_a_token_for_the_cookie_it_sets(app, post):
    warm(app, post)

    _, _, cookies, body = call(app, post.get_absolute_url())

    secret = re.search(r"csrftoken=([A-Za-z0-9]+);", cookies[0])[1]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    assert _unmask_cipher_token(token) == secret
    assert b"placeholder" not in body


def test_a_visitor_with_a_csrf_cookie_keeps_its_secret(app, post):
    warm(app, post)
    secret = "a" * 32

    _, _, cookies, body = call(app, post.get_absolute_url(), HTTP_COOKIE=f"csrftoken={secret}")

    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    assert _unmask_cipher_token(token) == secret
    assert cookies[0].startswith(f" csrftoken={secret};")


@pytest.mark.parametrize(
    "extra",
    [
        {"QUERY_STRING": "page=1"},
        {"REQUEST_METHOD": "HEAD"},
        {"HTTP_ACCEPT": "application/activity+json"},
        {"HTTP_COOKIE": "sessionid=abc"},
        {"HTTP_IF_NONE_MATCH": '"nothing"', "QUERY_STRING": "x=1"},
    ],
    ids=["query", "head", "json", "session", "search"],
)
def test_other_requests_go_through_django(app, post, cycles, extra):
    warm(app, post)
    cycles.clear()

    call(app, post.get_absolute_url(), **extra)

    assert cycles == [post.get_absolute_url()]


def test_a_conditional_get_is_answered_304_on_the_fast_path(app, post, cycles):
    warm(app, post)
    etag = call(app, post.get_absolute_url())[1]["ETag"]
    cycles.clear()

    status, headers, _, body = call(app, post.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)

    assert (status, body, cycles) == ("304 Not Modified", b"", [])
    assert headers["ETag"] == etag


def test_a_host_django_refuses_gets_djangos_400(app, post, cycles):
    warm(app, post)

    status = call(app, post.get_absolute_url(), HTTP_HOST="evil.example")[0]

    assert status.startswith("400")


def test_an_insecure_request_is_redirected_when_the_site_requires_https(app, post, settings):
    warm(app, post)
    settings.SECURE_SSL_REDIRECT = True  # SecurityMiddleware reads it when it is made

    status, headers, _, _ = call(PageCacheHandler(), post.get_absolute_url())

    assert status.startswith("301")
    assert headers["Location"].startswith("https://")


def test_with_the_fediverse_on_a_post_hit_is_fast_and_varies_on_accept(app, post, settings, cycles):
    settings.KIJI_FEDIVERSE_ENABLED = True
    warm(app, post)
    cycles.clear()

    fast = call(app, post.get_absolute_url())
    assert cycles == []
    django = call(WSGIHandler(), post.get_absolute_url())

    assert fast[1]["Vary"] == django[1]["Vary"]
    assert "Accept" in fast[1]["Vary"].split(", ")
    assert _without_tokens(fast[3]) == _without_tokens(django[3])


def test_with_the_fediverse_on_activitypub_clients_still_get_the_article(
    app, post, settings, cycles
):
    settings.KIJI_FEDIVERSE_ENABLED = True
    warm(app, post)
    cycles.clear()

    status, headers, _, body = call(
        app, post.get_absolute_url(), HTTP_ACCEPT="application/activity+json"
    )

    assert cycles == [post.get_absolute_url()]
    assert status == "200 OK" and headers["Content-Type"].startswith("application/activity+json")
    assert b'"type": "Article"' in body or b'"type":"Article"' in body


def test_a_copy_the_watcher_cannot_vouch_for_goes_through_django(app, post, cycles):
    warm(app, post)
    pages._forget_watcher(setting="CACHES")  # a new watcher vouches for nothing yet
    cycles.clear()

    assert call(app, post.get_absolute_url())[1]["X-Page-Cache"] == "hit"

    assert cycles == [post.get_absolute_url()]


def test_a_change_shows_on_the_next_request(app, post, cycles):
    warm(app, post)
    post.title = "Renamed"
    post.save()

    body = call(app, post.get_absolute_url())[3]

    assert b"Renamed" in body


def test_unknown_middleware_above_the_page_cache_turns_the_fast_path_off(settings, shared_cache):
    settings.MIDDLEWARE = ["tests.pagecache.test_wsgi.nothing", *settings.MIDDLEWARE]

    assert PageCacheHandler().page_cache is None


def nothing(get_response):
    return get_response


def _without_tokens(html: bytes) -> bytes:
    html = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)
    return re.sub(rb'name="form_token" value="[^"]+"', b"", html)
