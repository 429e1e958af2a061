"""Like and boost counts on the post page (fediverse/reactions.py, `{% fediverse_reactions %}`)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from blog.models import Post
from fediverse import activities
from fediverse.models import Reaction
from fediverse.templatetags.fediverse_tags import fediverse_reactions
from tests.factories import make_post
from tests.fediverse.remote import serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(settings):
    yield from serve(settings)


@pytest.fixture
def inbox():
    return reverse("fediverse:inbox")


def _react(client, inbox, actor, post, name="like", n="1"):
    activity = actor.activity(name, n=n, object=activities.object_id(post))
    assert actor.post(client, inbox, activity).status_code == 202
    return activity


def _html(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _stored(post, likes=0, boosts=0):
    for n in range(likes):
        Reaction.objects.create(
            post=post,
            kind="like",
            actor_uri=f"https://m.example/u/{n}",
            activity_id=f"https://m.example/l/{n}",
        )
    for n in range(boosts):
        Reaction.objects.create(
            post=post,
            kind="announce",
            actor_uri=f"https://m.example/u/{n}",
            activity_id=f"https://m.example/a/{n}",
        )


def test_the_post_page_shows_the_numbers_and_never_who(client, remote, inbox):
    post = make_post()
    alice, bob = remote.actor("alice"), remote.actor("bob")
    _react(client, inbox, alice, post)
    _react(client, inbox, bob, post)
    _react(client, inbox, alice, post, name="announce", n="2")

    page = _html(client, post)
    assert '<p class="fediverse-reactions">2 likes · 1 boost on the fediverse</p>' in page
    assert alice.id not in page and bob.id not in page


@pytest.mark.parametrize(
    ("likes", "boosts", "shown"),
    [
        (1, 0, "1 like on the fediverse"),
        (0, 3, "3 boosts on the fediverse"),
        (3, 2, "3 likes · 2 boosts on the fediverse"),
    ],
)
def test_only_the_counts_that_are_not_zero(likes, boosts, shown):
    post = make_post()
    _stored(post, likes, boosts)
    assert f">{shown}<" in fediverse_reactions(post)


def test_nothing_without_reactions_or_with_the_fediverse_off(client, settings):
    quiet, liked = make_post("Quiet"), make_post("Liked")
    _stored(liked, likes=2)
    assert "fediverse-reactions" not in _html(client, quiet)
    settings.KIJI_FEDIVERSE_ENABLED = False
    assert "fediverse-reactions" not in _html(client, liked)


def test_in_japanese():
    post = make_post()
    _stored(post, likes=3, boosts=2)
    with translation.override("ja"):
        html = fediverse_reactions(post)
    assert ">フェディバースで いいね 3 件 · ブースト 2 件<" in html


def test_the_counts_come_with_the_post_and_cost_no_query(client, settings):
    post = make_post()
    annotated = Post.objects.for_listing().get(pk=post.pk)
    _stored(post, likes=2, boosts=1)
    fresh = Post.objects.for_listing().get(pk=post.pk)
    assert (fresh.fediverse_like_count, fresh.fediverse_boost_count) == (2, 1)
    assert (annotated.fediverse_like_count, annotated.fediverse_boost_count) == (0, 0)

    def queries(enabled: bool) -> int:
        from django.core.cache import cache

        from pagecache.fragments import local_markup
        from pagecache.pages import local_pages

        settings.KIJI_FEDIVERSE_ENABLED = enabled
        cache.clear()
        local_pages.clear()
        local_markup.clear()
        with CaptureQueriesContext(connection) as captured:
            assert "2 likes · 1 boost" in _html(client, post) or not enabled
        return len(captured.captured_queries)

    assert queries(True) == queries(False)


def test_a_cached_page_shows_a_like_as_soon_as_it_arrives(client, remote, inbox):
    post = make_post()
    alice, bob = remote.actor("alice"), remote.actor("bob")
    _react(client, inbox, alice, post)
    _html(client, post)
    cached = client.get(post.get_absolute_url())
    assert "kiji_page_cache_fill" not in vars(cached.wsgi_request)  # served from the cache
    assert "1 like on the fediverse" in cached.content.decode()

    _react(client, inbox, bob, post, n="2")
    assert "2 likes on the fediverse" in _html(client, post)

    liked = alice.activity("like", n="1", object=activities.object_id(post))
    undo = alice.activity(
        "undo", n="3", undone=liked["id"], undone_type="Like", object=activities.object_id(post)
    )
    assert alice.post(client, inbox, undo).status_code == 202
    assert "1 like on the fediverse" in _html(client, post)


def test_a_like_delivered_twice_changes_nothing_readers_see(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    _react(client, inbox, alice, post)
    revision = Post.objects.get(pk=post.pk).discussion_revision
    _react(client, inbox, alice, post)
    assert Post.objects.get(pk=post.pk).discussion_revision == revision
