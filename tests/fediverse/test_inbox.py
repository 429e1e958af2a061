"""The inbox: signed activities in, refusals out (fediverse/inbox.py)."""

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.urls import reverse

from comments.models import Comment
from fediverse import activities
from fediverse.models import ActorKey, Block, Follower, Reaction, RemoteReply
from fediverse.signing import signing_string
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


def _nothing_stored():
    return not (
        Comment.objects.exists()
        or RemoteReply.objects.exists()
        or Follower.objects.exists()
        or Reaction.objects.exists()
    )


def _reply(actor, post, n="1", text="Nice post"):
    return actor.activity("create-note", n=n, in_reply_to=activities.object_id(post), text=text)


def test_a_signed_reply_is_taken(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    response = alice.post(client, inbox, _reply(alice, post))
    assert response.status_code == 202
    assert Comment.objects.get().post == post


def test_the_shared_inbox_takes_it_too(client, remote):
    post = make_post()
    alice = remote.actor("alice")
    response = alice.post(client, reverse("fediverse:shared-inbox"), _reply(alice, post))
    assert response.status_code == 202
    assert RemoteReply.objects.count() == 1


def test_only_post(client, inbox):
    assert client.get(inbox).status_code == 405


# Refusals: nothing is stored.


def test_unsigned_is_refused(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    response = alice.post(client, inbox, _reply(alice, post), headers={"Host": "testserver"})
    assert response.status_code == 401
    assert response.json()["error"]
    assert _nothing_stored()


def test_wrong_key_is_refused(client, remote, inbox):
    post = make_post()
    alice, mallory = remote.actor("alice"), remote.actor("mallory")
    response = alice.post(client, inbox, _reply(alice, post), private_pem=mallory.private_pem)
    assert response.status_code == 401
    assert _nothing_stored()


def test_expired_date_is_refused(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    old = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    response = alice.post(client, inbox, _reply(alice, post), Date=old)
    assert response.status_code == 401
    assert _nothing_stored()


def test_wrong_digest_is_refused(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    signed_for = json.dumps(_reply(alice, post, text="Nice")).encode()
    headers = alice.signed_headers(inbox, signed_for)
    sent = json.dumps(_reply(alice, post, text="Buy pills")).encode()
    response = alice.post(client, inbox, sent, headers=headers)
    assert response.status_code == 401
    assert _nothing_stored()


def test_actor_and_key_owner_must_be_the_same(client, remote, inbox):
    post = make_post()
    alice, mallory = remote.actor("alice"), remote.actor("mallory")
    response = mallory.post(client, inbox, _reply(alice, post))
    assert response.status_code == 401
    assert "owner" in response.json()["error"]
    assert _nothing_stored()


def test_an_object_from_another_origin_is_fetched_before_it_is_believed(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    activity = _reply(alice, post)
    # The Note claims to live on another server, which does not have it.
    activity["object"]["id"] = "http://localhost:1/statuses/1"
    response = alice.post(client, inbox, activity)
    assert response.status_code == 400
    assert _nothing_stored()


def test_an_object_fetched_from_its_origin_must_be_the_actors(client, remote, inbox):
    post = make_post()
    alice, bob = remote.actor("alice"), remote.actor("bob")
    note = _reply(bob, post)["object"]
    remote.add_json("/users/bob/statuses/1", note)
    activity = _reply(alice, post)
    activity["object"] = note["id"]  # Bob's Note, sent by Alice as hers
    response = alice.post(client, inbox, activity)
    assert response.status_code == 400
    assert _nothing_stored()


def test_an_object_by_reference_is_fetched(client, remote, inbox):
    post = make_post()
    alice = remote.actor("alice")
    activity = _reply(alice, post)
    remote.add_json("/users/alice/statuses/1", activity["object"])
    activity["object"] = activity["object"]["id"]
    assert alice.post(client, inbox, activity).status_code == 202
    assert RemoteReply.objects.get().actor_uri == alice.id


@pytest.mark.parametrize("block", ["instance", "actor"])
def test_blocked_senders_get_403_before_any_work(client, remote, inbox, block):
    post = make_post()
    alice = remote.actor("alice")
    if block == "instance":
        Block.objects.create(domain="127.0.0.1")
    else:
        Block.objects.create(actor_uri=alice.id)
    response = alice.post(client, inbox, _reply(alice, post))
    assert response.status_code == 403
    assert remote.received == []  # not even the key was fetched
    assert _nothing_stored()


def test_oversized_body_is_refused(client, remote, inbox, settings):
    settings.KIJI_FEDIVERSE_MAX_BODY_BYTES = 2000
    post = make_post()
    alice = remote.actor("alice")
    response = alice.post(client, inbox, _reply(alice, post, text="x" * 3000))
    assert response.status_code == 413
    assert remote.received == []
    assert _nothing_stored()


def test_deeply_nested_json_is_refused(client, remote, inbox):
    alice = remote.actor("alice")
    body = b'{"a":' * 50 + b"1" + b"}" * 50
    assert alice.post(client, inbox, body).status_code == 400


def test_a_key_on_a_private_address_is_refused(client, remote, inbox, settings):
    post = make_post()
    alice = remote.actor("alice")
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = False
    response = alice.post(client, inbox, _reply(alice, post))
    assert response.status_code == 401
    assert remote.received == []
    assert _nothing_stored()


# Follows


def _verify_our_signature(received, *, covers=("(request-target)", "host", "date", "digest")):
    params = dict(re.findall(r'(\w+)="([^"]*)"', received.headers["Signature"]))
    assert params["keyId"] == activities.key_id()
    names = params["headers"].split()
    assert names == list(covers)
    text = signing_string(names, received.method, received.path, received.headers)
    public = serialization.load_pem_public_key(ActorKey.current().public_key_pem.encode())
    public.verify(
        base64.b64decode(params["signature"]), text.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_follow_is_accepted_with_a_signed_accept(
    client, remote, inbox, django_capture_on_commit_callbacks
):
    alice = remote.actor("alice")
    follow = alice.activity("follow")
    with django_capture_on_commit_callbacks(execute=True):
        assert alice.post(client, inbox, follow).status_code == 202
    follower = Follower.objects.get()
    assert follower.actor_uri == alice.id
    assert follower.status == Follower.Status.ACCEPTED
    assert follower.inbox == alice.inbox
    # The handle names the server as WebFinger does: with its port, when not the default.
    assert follower.handle == f"@alice@127.0.0.1:{urlsplit(alice.id).port}"
    posted = [r for r in remote.received if r.method == "POST"]
    assert [r.path for r in posted] == ["/users/alice/inbox"]
    accept = json.loads(posted[0].body)
    assert accept["type"] == "Accept"
    assert accept["actor"] == activities.actor_id()
    assert accept["object"]["id"] == follow["id"]
    _verify_our_signature(posted[0])


def test_the_key_is_fetched_with_a_signed_get_as_secure_mode_servers_require(client, remote, inbox):
    alice = remote.actor("alice")

    assert alice.post(client, inbox, alice.activity("follow")).status_code == 202

    fetched = [r for r in remote.received if r.method == "GET"]
    assert [r.path for r in fetched] == ["/users/alice"]
    _verify_our_signature(fetched[0], covers=("(request-target)", "host", "date"))


def test_follow_waits_when_the_author_approves_followers(
    client, remote, inbox, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_FEDIVERSE_APPROVE_FOLLOWERS = True
    alice = remote.actor("alice")
    with django_capture_on_commit_callbacks(execute=True):
        assert alice.post(client, inbox, alice.activity("follow")).status_code == 202
    assert Follower.objects.get().status == Follower.Status.PENDING
    assert not [r for r in remote.received if r.method == "POST"]


def test_undo_follow_removes_the_follower(client, remote, inbox):
    alice = remote.actor("alice")
    alice.post(client, inbox, alice.activity("follow"))
    assert Follower.objects.count() == 1
    assert alice.post(client, inbox, alice.activity("undo-follow")).status_code == 202
    assert not Follower.objects.exists()


def test_a_follow_of_someone_else_is_ignored(client, remote, inbox):
    alice = remote.actor("alice")
    follow = alice.activity("follow")
    follow["object"] = "https://elsewhere.example/users/bob"
    assert alice.post(client, inbox, follow).status_code == 202
    assert not Follower.objects.exists()


# Likes and boosts


@pytest.mark.parametrize(("name", "kind"), [("like", "like"), ("announce", "announce")])
def test_likes_and_boosts_are_counted_and_undone(client, remote, inbox, name, kind):
    from fediverse.reactions import counts_for

    post, other = make_post(), make_post()
    alice, bob = remote.actor("alice"), remote.actor("bob")
    url = activities.object_id(post)
    for actor in (alice, bob):
        activity = actor.activity(name, n="7", object=url, object_owner=activities.actor_id())
        assert actor.post(client, inbox, activity).status_code == 202
        # Delivered twice, counted once.
        assert actor.post(client, inbox, activity).status_code == 202
    assert counts_for([post, other]) == {
        post.pk: {"like": 2 if kind == "like" else 0, "announce": 2 if kind == "announce" else 0},
        other.pk: {"like": 0, "announce": 0},
    }
    liked = alice.activity(name, n="7", object=url, object_owner=activities.actor_id())
    undo = alice.activity("undo", n="8", undone=liked["id"], undone_type=liked["type"], object=url)
    assert alice.post(client, inbox, undo).status_code == 202
    assert counts_for([post])[post.pk][kind] == 1
    assert Reaction.objects.get().actor_uri == bob.id


def test_a_like_of_something_not_ours_is_ignored(client, remote, inbox):
    alice = remote.actor("alice")
    like = alice.activity("like", n="1", object="https://elsewhere.example/notes/1")
    assert alice.post(client, inbox, like).status_code == 202
    assert not Reaction.objects.exists()


# The admin


@pytest.fixture
def desk(client, author):
    client.force_login(author)
    return client


def test_the_admin_blocks_a_follower_and_lists_replies_read_only(
    desk, remote, inbox, django_capture_on_commit_callbacks
):
    post = make_post()
    alice = remote.actor("alice")
    alice.post(desk, inbox, alice.activity("follow"))
    alice.post(desk, inbox, _reply(alice, post))
    follower = Follower.objects.get()

    response = desk.post(
        reverse("admin:fediverse_follower_changelist"),
        {"action": "block", "_selected_action": [follower.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not Follower.objects.exists()
    assert Block.objects.get().actor_uri == alice.id
    # A blocked actor is refused from now on.
    assert alice.post(desk, inbox, _reply(alice, post, n="2")).status_code == 403

    for name in ("remotereply", "reaction", "block"):
        assert desk.get(reverse(f"admin:fediverse_{name}_changelist")).status_code == 200
    reply = RemoteReply.objects.get()
    page = desk.get(reverse("admin:fediverse_remotereply_change", args=[reply.pk]))
    assert page.status_code == 200
    assert b'name="actor_uri"' not in page.content  # read-only


def test_the_admin_accepts_a_waiting_follower(
    desk, remote, inbox, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_FEDIVERSE_APPROVE_FOLLOWERS = True
    alice = remote.actor("alice")
    alice.post(desk, inbox, alice.activity("follow"))
    follower = Follower.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("admin:fediverse_follower_changelist"),
            {"action": "accept", "_selected_action": [follower.pk]},
        )
    assert Follower.objects.get().status == Follower.Status.ACCEPTED
    posted = [r for r in remote.received if r.method == "POST"]
    assert json.loads(posted[0].body)["type"] == "Accept"
    _verify_our_signature(posted[0])


def test_a_domain_block_never_matches_part_of_an_ip_address(db):
    from fediverse.models import Block

    Block.objects.create(domain="0.0.1")
    Block.objects.create(domain="example.com")

    assert not Block.objects.blocks("http://127.0.0.1:8000/users/a")
    assert Block.objects.blocks("https://social.example.com/users/a")
