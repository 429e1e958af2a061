"""Fediverse replies in the moderation queue and on the page (fediverse/replies.py)."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from fediverse import activities
from fediverse.models import RemoteReply
from fediverse.replies import fediverse_actor_email, note_text
from moderation import privacy
from moderation.models import Status
from moderation.services import moderate
from tests.factories import make_post
from tests.fediverse.remote import serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(settings):
    """A fediverse server on 127.0.0.1 whose actors' keys our fetcher may fetch."""
    yield from serve(settings)


@pytest.fixture
def inbox():
    return reverse("fediverse:inbox")


def _reply(actor, in_reply_to, n="1", text="Nice post"):
    return actor.activity("create-note", n=n, in_reply_to=in_reply_to, text=text)


def _send(client, inbox, actor, post_or_url, **kwargs):
    url = post_or_url if isinstance(post_or_url, str) else activities.object_id(post_or_url)
    response = actor.post(client, inbox, _reply(actor, url, **kwargs))
    assert response.status_code == 202, response.content
    return response


def test_a_reply_lands_pending_as_a_comment(client, remote, inbox, mailoutbox):
    post = make_post()
    alice = remote.actor("alice")
    _send(client, inbox, alice, post)

    comment = Comment.objects.get()
    assert comment.post == post
    assert comment.status == Status.PENDING
    assert comment.author_name == "Alice Remote"
    assert comment.author_url == remote.url("/@alice")
    assert comment.author_email == fediverse_actor_email(alice.id)
    assert comment.author_email.endswith("@fediverse.invalid")
    assert comment.ip_address is None
    stored = comment.fediverse
    assert stored.actor_uri == alice.id
    assert stored.object_id == alice.id + "/statuses/1"
    assert stored.avatar_url == remote.url("/avatars/alice.png")
    # The author is told, as for any comment (the immediate task backend sends at commit).
    assert Comment.objects.in_moderation().count() == 1


def test_a_reply_delivered_twice_is_stored_once(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    _send(client, inbox, alice, post)
    _send(client, inbox, alice, post)
    assert Comment.objects.count() == RemoteReply.objects.count() == 1


def test_a_reply_to_a_post_with_a_japanese_slug_finds_it(client, remote, inbox):
    """The Note's `inReplyTo` is the percent-encoded permalink, as the Article's id is."""
    post = make_post("秋の京都旅行")
    assert "%E7%A7%8B" in activities.object_id(post)
    _send(client, inbox, remote.actor("alice"), post)
    assert Comment.objects.get().post == post


def test_the_notes_html_becomes_plain_text_with_its_links():
    html = (
        '<p><span class="h-card"><a href="https://blog.example/fediverse/actor" '
        'class="u-url mention">@<span>blog</span></a></span> Hello &amp; thanks '
        '<a href="https://m.example/tags/django" class="mention hashtag" rel="tag">'
        "#<span>django</span></a><br>second line</p>"
        '<p><a href="https://docs.example/a/b"><span class="invisible">https://</span>'
        '<span class="ellipsis">docs.example/a</span></a> <script>alert(1)</script>'
        '<a href="javascript:alert(1)">click</a></p>'
    )
    assert note_text(html) == (
        "@blog (https://blog.example/fediverse/actor) Hello & thanks "
        "#django (https://m.example/tags/django)\nsecond line\n\n"
        "https://docs.example/a/b alert(1)click"
    )


def test_the_text_is_rendered_like_every_strangers(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    _send(client, inbox, alice, post, text="<b>bold</b> <img src=x onerror=alert(1)>")
    html = Comment.objects.get().text_html
    assert "<img" not in html
    assert '<a href="https://docs.djangoproject.com/en/5.2/"' in html
    assert "#django (" in html
    assert "&lt;script&gt;" in html


def test_an_approved_reply_shows_on_the_page_with_name_and_profile(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    _send(client, inbox, alice, post, text="Lovely writing")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Lovely writing" not in page

    moderate(Comment.objects.get(), status=Status.APPROVED)

    page = client.get(post.get_absolute_url()).content.decode()
    assert "Lovely writing" in page
    assert f'<a href="{remote.url("/@alice")}" rel="nofollow ugc noopener">Alice Remote</a>' in page
    assert remote.url("/avatars/") not in page  # no hot-linked avatar


def _forget_cached_pages():
    from django.core.cache import cache

    from pagecache.fragments import local_markup
    from pagecache.pages import local_pages

    cache.clear()
    local_pages.clear()
    local_markup.clear()
    # A request resets the query log; start the count from an empty one.
    connection.queries_log.clear()


def test_the_post_pages_queries_do_not_grow_with_replies(
    client, remote, inbox, django_assert_num_queries
):
    post = make_post()
    actors = [remote.actor(f"user{n}") for n in range(5)]
    _send(client, inbox, actors[0], post, n="1")
    moderate(Comment.objects.get(), status=Status.APPROVED)
    _forget_cached_pages()
    with CaptureQueriesContext(connection) as one:
        assert client.get(post.get_absolute_url()).status_code == 200
    with_one = len(one.captured_queries)
    assert with_one > 3

    for n, actor in enumerate(actors[1:], start=2):
        _send(client, inbox, actor, post, n=str(n))
    for comment in Comment.objects.filter(status=Status.PENDING):
        moderate(comment, status=Status.APPROVED)
    _forget_cached_pages()
    with django_assert_num_queries(with_one):
        page = client.get(post.get_absolute_url()).content.decode()
    assert all(f"User{n} Remote" in page for n in range(5))


def test_a_reply_to_a_comment_joins_its_thread(client, remote, inbox):
    post = make_post()
    alice, bob = remote.actor("alice"), remote.actor("bob")
    _send(client, inbox, alice, post)
    first = Comment.objects.get()
    moderate(first, status=Status.APPROVED)

    # Bob answers Alice's Note (its fediverse id)...
    _send(client, inbox, bob, alice.id + "/statuses/1", n="2")
    # ...and the comment's permalink on the blog.
    permalink = activities.absolute(first.get_absolute_url())
    _send(client, inbox, bob, permalink, n="3")

    replies = Comment.objects.exclude(pk=first.pk)
    assert [(c.parent_id, c.depth, c.thread_id) for c in replies] == [
        (first.pk, 1, first.thread_id),
        (first.pk, 1, first.thread_id),
    ]


def test_replies_to_unknown_or_closed_posts_are_ignored(client, remote, inbox):
    alice = remote.actor("alice")
    closed = make_post(comments_enabled=False)
    draft = make_post(status="draft")
    _send(client, inbox, alice, closed, n="1")
    _send(client, inbox, alice, activities.object_id(draft), n="2")
    _send(client, inbox, alice, "https://elsewhere.example/notes/1", n="3")
    assert not Comment.objects.exists()


def test_spam_rules_apply(client, remote, inbox, settings):
    settings.KIJI_SPAM_BLOCKLIST_WORDS = ["casino"]
    post = make_post()
    alice = remote.actor("alice")
    _send(client, inbox, alice, post, text="Best casino")
    assert Comment.objects.get().status == Status.SPAM


def test_flood_limits_per_actor_and_per_instance(client, remote, inbox, settings):
    settings.KIJI_FEDIVERSE_REPLIES_PER_ACTOR_PER_MINUTE = 2
    settings.KIJI_FEDIVERSE_REPLIES_PER_INSTANCE_PER_MINUTE = 3
    post = make_post()
    alice, bob = remote.actor("alice"), remote.actor("bob")
    _send(client, inbox, alice, post, n="1")
    _send(client, inbox, alice, post, n="2")
    refused = alice.post(client, inbox, _reply(alice, activities.object_id(post), n="3"))
    assert refused.status_code == 429
    _send(client, inbox, bob, post, n="4")
    refused = bob.post(client, inbox, _reply(bob, activities.object_id(post), n="5"))
    assert refused.status_code == 429
    assert Comment.objects.count() == 3


def test_update_edits_and_an_approved_reply_waits_again(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    url = activities.object_id(post)
    _send(client, inbox, alice, post, text="First")
    moderate(Comment.objects.get(), status=Status.APPROVED)

    update = alice.activity("update-note", n="1", in_reply_to=url, text="Second thoughts")
    assert alice.post(client, inbox, update).status_code == 202

    comment = Comment.objects.get()
    assert comment.text == "Second thoughts"
    assert comment.status == Status.PENDING


def test_update_keeps_approval_when_the_setting_says_so(client, remote, inbox, settings):
    settings.KIJI_FEDIVERSE_REAPPROVE_EDITS = False
    post = make_post()
    alice = remote.actor("alice")
    url = activities.object_id(post)
    _send(client, inbox, alice, post, text="First")
    moderate(Comment.objects.get(), status=Status.APPROVED)
    update = alice.activity("update-note", n="1", in_reply_to=url, text="Typo fixed")
    alice.post(client, inbox, update)
    comment = Comment.objects.get()
    assert (comment.text, comment.status) == ("Typo fixed", Status.APPROVED)


def test_only_the_author_can_update_or_delete(client, remote, inbox):
    post = make_post()
    alice, mallory = remote.actor("alice"), remote.actor("mallory")
    _send(client, inbox, alice, post, text="Mine")
    update = mallory.activity("update-note", n="1", in_reply_to="x", text="Hijacked")
    update["object"]["id"] = alice.id + "/statuses/1"
    mallory.post(client, inbox, update)
    delete = mallory.activity("delete-note", n="1")
    delete["object"]["id"] = alice.id + "/statuses/1"
    mallory.post(client, inbox, delete)
    text = Comment.objects.get().text
    assert "Mine" in text
    assert "Hijacked" not in text


def test_delete_with_a_tombstone_removes_it_and_its_replies_keep_their_place(client, remote, inbox):
    post = make_post()
    alice, bob = remote.actor("alice"), remote.actor("bob")
    _send(client, inbox, alice, post)
    first = Comment.objects.get()
    moderate(first, status=Status.APPROVED)
    _send(client, inbox, bob, alice.id + "/statuses/1", n="2")

    assert alice.post(client, inbox, alice.activity("delete-note", n="1")).status_code == 202

    remaining = Comment.objects.get()
    assert remaining.fediverse.actor_uri == bob.id
    assert remaining.thread_id == first.thread_id
    assert not RemoteReply.objects.filter(actor_uri=alice.id).exists()


def test_personal_data_by_actor(client, remote, inbox, capsys):
    post = make_post()
    alice = remote.actor("alice")
    _send(client, inbox, alice, post)

    call_command("fediverse_email", alice.id)
    email = capsys.readouterr().out.strip()
    data = privacy.export(email)
    assert data["comments"][0]["author_name"] == "Alice Remote"
    assert data["fediverse_replies"][0]["actor_uri"] == alice.id
    assert data["fediverse_replies"][0]["avatar_url"] == remote.url("/avatars/alice.png")

    assert privacy.anonymise(email) == 1
    stored = RemoteReply.objects.get()
    assert (stored.actor_uri, stored.actor_name, stored.actor_url, stored.avatar_url) == (
        "",
        "",
        "",
        "",
    )
    assert json.dumps(privacy.export(email)).count(alice.id) == 0
