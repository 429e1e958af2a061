"""`personal_data` by actor URI: a fediverse commenter and follower (fediverse/personal_data.py)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from comments.models import Comment
from fediverse import activities
from fediverse.models import Follower, Reaction, RemoteReply
from moderation import privacy
from tests.factories import make_post
from tests.fediverse.remote import serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(settings):
    yield from serve(settings)


@pytest.fixture
def inbox():
    return reverse("fediverse:inbox")


@pytest.fixture
def people(client, remote, inbox):
    """Alice follows the blog, replied twice and liked the post; Bob follows and replied once."""
    post = make_post()
    url = activities.object_id(post)
    alice, bob = remote.actor("alice"), remote.actor("bob")
    for actor, numbers in ((alice, "12"), (bob, "3")):
        assert actor.post(client, inbox, actor.activity("follow")).status_code == 202
        for n in numbers:
            note = actor.activity("create-note", n=n, in_reply_to=url, text=f"{actor.username} {n}")
            assert actor.post(client, inbox, note).status_code == 202
    like = alice.activity("like", n="1", object=url)
    assert alice.post(client, inbox, like).status_code == 202
    return alice, bob


def _said(text: str) -> str:
    """The words a test reply carries (the fixture's Note wraps them in a mention and links)."""
    return next(word for word in ("alice 1", "alice 2", "bob 3") if word in text)


def _run(*args) -> str:
    out = StringIO()
    call_command("personal_data", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_export_by_actor_uri_has_comments_replies_and_the_follower(people, remote):
    alice, bob = people
    data = json.loads(_run("export", alice.id))
    assert data["identifier"] == alice.id
    assert sorted(_said(c["text"]) for c in data["comments"]) == ["alice 1", "alice 2"]
    assert {r["actor_uri"] for r in data["fediverse_replies"]} == {alice.id}
    assert data["fediverse_followers"] == [
        {
            "id": Follower.objects.get(actor_uri=alice.id).pk,
            "actor_uri": alice.id,
            "name": "Alice Remote",
            "handle": Follower.objects.get(actor_uri=alice.id).handle,
            "inbox": alice.inbox,
            "shared_inbox": remote.url("/inbox"),
            "status": "accepted",
            "created_at": data["fediverse_followers"][0]["created_at"],
        }
    ]
    assert [(r["kind"], r["actor_uri"]) for r in data["fediverse_reactions"]] == [
        ("like", alice.id)
    ]
    assert bob.id not in json.dumps(data)


def test_delete_by_actor_uri_removes_everything_of_that_actor(people):
    alice, bob = people
    # Two comments, the two replies beside them, the follower, the like.
    assert "6 items" in _run("delete", f"  {alice.id} ", "--yes")
    assert not Follower.objects.filter(actor_uri=alice.id).exists()
    assert not RemoteReply.objects.filter(actor_uri=alice.id).exists()
    assert [_said(text) for text in Comment.objects.values_list("text", flat=True)] == ["bob 3"]
    assert Follower.objects.filter(actor_uri=bob.id).exists()
    assert not Reaction.objects.exists()


def test_anonymise_by_actor_uri_keeps_the_texts_and_the_follow(people):
    alice, _ = people
    assert "3 items" in _run("anonymise", alice.id, "--yes")
    texts = {_said(t): name for t, name in Comment.objects.values_list("text", "author_name")}
    assert texts == {"alice 1": "Anonymous", "alice 2": "Anonymous", "bob 3": "Bob Remote"}
    assert not RemoteReply.objects.filter(actor_uri=alice.id).exists()
    # A follow is no text: it stays until they unfollow, or are deleted.
    assert Follower.objects.filter(actor_uri=alice.id).exists()
    # The like still counts; whose it was is gone.
    assert Reaction.objects.get().actor_uri == ""
    assert alice.id not in Reaction.objects.get().activity_id
    exported = privacy.export(alice.id)
    assert exported["comments"] == [] and exported["fediverse_replies"] == []


@pytest.mark.usefixtures("people")
def test_the_placeholder_address_still_works():
    email = (
        Comment.objects.filter(text__contains="alice 1")
        .values_list("author_email", flat=True)
        .get()
    )
    assert len(privacy.export(email)["comments"]) == 2


def test_an_unknown_actor_has_nothing_and_junk_is_refused(people):
    assert json.loads(_run("export", "https://elsewhere.example/users/x"))["comments"] == []
    assert "Nothing is stored" in _run("delete", "https://elsewhere.example/users/x", "--yes")
    for junk in ("not an address", "ftp://elsewhere.example/users/x", "https://", ""):
        with pytest.raises(CommandError, match="not an email address"):
            _run("export", junk)
    assert Comment.objects.count() == 3
