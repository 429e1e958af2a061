"""Concurrent misses of one page wait for one render, and never for a page from before a change.

The pages are asked for over real HTTP from several threads at once (Django's
threaded live server), with every template made slow enough that the
requests overlap.
"""

import threading
import time
import urllib.request

import pytest
from django.conf import settings
from django.template.backends.django import Template

from blog.models import Post
from pagecache import pages

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.KIJI_PAGE_CACHE_SECONDS = 3600
    settings.KIJI_PAGE_CACHE_RENDER_WAIT = 3.0


@pytest.fixture
def slow_templates(monkeypatch):
    """Every template render takes `seconds` longer; `during(seconds)` runs once per render."""

    class Slow:
        seconds = 0.3
        during = None
        renders = 0

    render = Template.render

    def slow_render(self, context=None, request=None):
        if self.template.name == settings.KIJI_POST_PAGE_TEMPLATE:
            Slow.renders += 1
            time.sleep(Slow.seconds)
            if Slow.during is not None:
                Slow.during()
        return render(self, context, request)

    monkeypatch.setattr(Template, "render", slow_render)
    return Slow


def fetch_together(url: str, count: int) -> list[tuple[str, str]]:
    """GET `url` from `count` threads at once: each response's X-Page-Cache and body."""
    results: list = [None] * count
    start = threading.Barrier(count)

    def get(n: int) -> None:
        start.wait()
        with urllib.request.urlopen(url, timeout=30) as response:
            results[n] = (response.headers["X-Page-Cache"], response.read().decode())

    threads = [threading.Thread(target=get, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_misses_wait_for_one_render(live_server, page_cache, post, slow_templates):
    results = fetch_together(live_server.url + post.get_absolute_url(), 4)

    assert sorted(status for status, _ in results) == ["miss", "wait", "wait", "wait"]
    assert slow_templates.renders == 1
    assert all("First words." in body for _, body in results)


def test_a_waiting_request_renders_for_itself_after_the_bound(
    live_server, settings, page_cache, post, slow_templates
):
    settings.KIJI_PAGE_CACHE_RENDER_WAIT = 0.1

    results = fetch_together(live_server.url + post.get_absolute_url(), 3)

    assert [status for status, _ in results] == ["miss"] * 3
    assert slow_templates.renders == 3


def test_a_waiting_request_never_gets_a_page_from_before_a_committed_change(
    live_server, page_cache, post, slow_templates
):
    def change_once() -> None:
        # While the first render is under way, the author publishes an edit.
        slow_templates.during = None
        Post.objects.filter(pk=post.pk).update(body="Edited while it rendered.")
        post.refresh_from_db()
        post.save()

    slow_templates.during = change_once

    results = fetch_together(live_server.url + post.get_absolute_url(), 3)

    # The page rendered before the change is not handed to those who waited.
    assert sorted(status for status, _ in results) == ["miss"] * 3
    assert sum("Edited while it rendered." in body for _, body in results) >= 2


def test_without_a_wait_every_concurrent_miss_renders(
    live_server, settings, page_cache, post, slow_templates
):
    settings.KIJI_PAGE_CACHE_RENDER_WAIT = 0

    results = fetch_together(live_server.url + post.get_absolute_url(), 3)

    assert [status for status, _ in results] == ["miss"] * 3


@pytest.fixture
def change_begun_in_another_thread():
    """What a change inside a transaction elsewhere stores first: a generation not committed.

    The thread stays alive through the test, as a thread inside its transaction does
    (a thread's id may be given to a new thread once it has ended).
    """
    made, done = [], threading.Event()

    def change() -> None:
        made.append(pages._new_state(uncommitted=True))
        done.wait(30)

    thread = threading.Thread(target=change)
    thread.start()
    while not made:
        time.sleep(0.01)
    yield made[0]
    done.set()
    thread.join()


def test_a_miss_during_a_change_waits_for_its_commit_and_renders_once(
    live_server, page_cache, post, slow_templates, change_begun_in_another_thread
):
    slow_templates.seconds = 0
    committed = []
    commit = threading.Timer(0.2, lambda: committed.append(pages._new_state()))
    commit.start()

    with urllib.request.urlopen(live_server.url + post.get_absolute_url(), timeout=30) as response:
        status, etag = response.headers["X-Page-Cache"], response.headers["ETag"]
    commit.join()

    assert status == "miss"
    assert etag.startswith(f'W/"{committed[0]["generation"]}-')  # stored under the commit's
    assert slow_templates.renders == 1


def test_a_change_that_never_commits_is_waited_for_a_moment_then_nothing_is_stored(
    live_server, settings, page_cache, post, slow_templates, change_begun_in_another_thread
):
    settings.KIJI_PAGE_CACHE_RENDER_WAIT = 0.1
    slow_templates.seconds = 0

    for _ in range(2):
        with urllib.request.urlopen(live_server.url + post.get_absolute_url()) as response:
            assert response.status == 200
            assert "X-Page-Cache" not in response.headers
            assert "First words." in response.read().decode()
    assert slow_templates.renders == 2
