"""A fediverse account deleted: Kiji forgets it (fediverse/actors.py, the inbox's Delete)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from comments.models import Comment
from fediverse import activities
from fediverse.models import Block, Follower, Reaction, RemoteReply
from moderation.models import Status
from moderation.services import moderate
from tests.factories import make_post
from tests.fediverse.remote import serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(settings):
    yield from serve(settings)


@pytest.fixture
def inbox():
    return reverse("fediverse:inbox")


def _accepted(response):
    assert response.status_code == 202, response.content
    return response


def _everything_from(client, inbox, actor, post, n):
    """The actor follows the blog, likes and boosts the post, and replies (approved)."""
    url = activities.object_id(post)
    _accepted(actor.post(client, inbox, actor.activity("follow")))
    _accepted(actor.post(client, inbox, actor.activity("like", n=n, object=url)))
    _accepted(actor.post(client, inbox, actor.activity("announce", n=n, object=url)))
    reply = actor.activity("create-note", n=n, in_reply_to=url, text=f"Words of {actor.username}")
    _accepted(actor.post(client, inbox, reply))
    moderate(
        Comment.objects.get(fediverse__object_id=reply["object"]["id"]), status=Status.APPROVED
    )


def _kept(actor) -> dict:
    return {
        "followers": Follower.objects.filter(actor_uri=actor.id).count(),
        "reactions": Reaction.objects.filter(actor_uri=actor.id).count(),
        "replies": RemoteReply.objects.filter(actor_uri=actor.id).count(),
    }


NOTHING = {"followers": 0, "reactions": 0, "replies": 0}
EVERYTHING = {"followers": 1, "reactions": 2, "replies": 1}


def _gone(remote, actor) -> None:
    """The account is deleted on its server: its document answers 410, no key is cached."""
    remote.add(
        f"/users/{actor.username}", '{"error":"Gone"}', status=410, content_type="application/json"
    )
    cache.clear()


def test_a_signed_delete_of_the_actor_removes_all_it_left(client, remote, inbox):
    post = make_post()
    alice, bob = remote.actor("alice"), remote.actor("bob")
    _everything_from(client, inbox, alice, post, "1")
    _everything_from(client, inbox, bob, post, "2")
    # Bob answers Alice's reply: his answer keeps its place when hers goes.
    answer = bob.activity("create-note", n="3", in_reply_to=alice.id + "/statuses/1", text="Agreed")
    _accepted(bob.post(client, inbox, answer))
    alices_comment = RemoteReply.objects.get(actor_uri=alice.id).comment
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Words of alice" in page and "2 likes · 2 boosts" in page

    _accepted(alice.post(client, inbox, alice.activity("delete-actor")))

    assert _kept(alice) == NOTHING
    assert _kept(bob) == {**EVERYTHING, "replies": 2}
    assert not Comment.objects.filter(pk=alices_comment.pk).exists()
    assert Comment.objects.get(fediverse__object_id=bob.id + "/statuses/3").thread_id == (
        alices_comment.thread_id
    )
    # The cached page is made fresh, as for any withdrawn comment.
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Words of alice" not in page
    assert "Words of bob" in page
    assert "1 like · 1 boost on the fediverse" in page


def test_an_account_gone_with_its_key_is_believed_on_its_origins_410(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    _everything_from(client, inbox, alice, post, "1")
    _gone(remote, alice)

    _accepted(alice.post(client, inbox, alice.activity("delete-actor")))

    assert _kept(alice) == NOTHING
    assert not Comment.objects.exists()


@pytest.mark.parametrize("answer", [404, 500, 200])
def test_without_a_checked_signature_nothing_else_is_believed(client, remote, inbox, answer):
    post = make_post()
    alice, mallory = remote.actor("alice"), remote.actor("mallory")
    _everything_from(client, inbox, alice, post, "1")
    if answer != 200:  # 200: the account is alive; its key still answers
        remote.add("/users/alice", "{}", status=answer, content_type="application/json")
    cache.clear()
    delete = alice.activity("delete-actor")

    # Unsigned, and signed with someone else's key.
    assert alice.post(client, inbox, delete, headers={}).status_code == 401
    forged = alice.post(client, inbox, delete, private_pem=mallory.private_pem)
    assert forged.status_code == 401

    assert _kept(alice) == EVERYTHING


def test_a_delete_from_another_origin_is_refused(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    _everything_from(client, inbox, alice, post, "1")
    _gone(remote, alice)
    delete = alice.activity("delete-actor")
    delete["id"] = "https://elsewhere.example/deletes/1"
    assert alice.post(client, inbox, delete).status_code == 401
    assert _kept(alice) == EVERYTHING


def test_an_unknown_account_is_accepted_without_a_fetch(client, remote, inbox):
    carol = remote.actor("carol")
    _gone(remote, carol)
    remote.received.clear()
    _accepted(carol.post(client, inbox, carol.activity("delete-actor")))
    assert remote.received == []


def test_a_blocked_account_gets_nothing(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    _everything_from(client, inbox, alice, post, "1")
    Block.objects.create(actor_uri=alice.id)
    _gone(remote, alice)
    assert alice.post(client, inbox, alice.activity("delete-actor")).status_code == 403
    assert _kept(alice) == EVERYTHING
