"""The author's answer to a fediverse reply goes back to the fediverse (fediverse/answers.py)."""

import json

import pytest
from django.urls import reverse

from blog.models import Post
from comments.models import Comment
from comments.services import reply_as_author, submit_comment
from fediverse import activities, answers
from fediverse.models import ActorKey, Block, Delivery, Follower, SentNote
from moderation.models import Status
from moderation.services import moderate
from tests.factories import make_post
from tests.fediverse.remote import serve
from tests.fediverse.test_delivery import check_signed

pytestmark = pytest.mark.django_db

AP = "application/activity+json"


@pytest.fixture
def remote(settings):
    server_iter = serve(settings)
    server = next(server_iter)
    server.add("/inbox", status=202, content_type=None)
    yield server
    next(server_iter, None)


@pytest.fixture
def alice(remote):
    return remote.actor("alice")


@pytest.fixture
def fediverse_reply(client, alice):
    """Alice's reply to a post, approved: a comment with a RemoteReply beside it."""
    post = make_post()
    note = alice.activity(
        "create-note", n="1", in_reply_to=activities.object_id(post), text="A question?"
    )
    response = alice.post(client, reverse("fediverse:inbox"), note)
    assert response.status_code == 202, response.content
    comment = Comment.objects.get()
    moderate(comment, status=Status.APPROVED)
    return comment


def _sent(remote, path="/inbox") -> list[dict]:
    return [
        json.loads(item.body)
        for item in remote.received
        if item.method == "POST" and item.path == path
    ]


def _answer(author, parent, text="The answer.", capture=None) -> Comment:
    with capture(execute=True):
        return reply_as_author(post=parent.post, user=author, text=text, parent_id=parent.pk)


def test_the_authors_answer_goes_to_the_person_asked_as_a_reply(
    fediverse_reply, alice, remote, author, django_capture_on_commit_callbacks
):
    remote.received.clear()
    answer = _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)

    (create,) = _sent(remote)
    note_id = activities.absolute(f"/comments/{answer.pk}/")
    assert create["type"] == "Create"
    assert create["id"] == note_id + "#create"
    assert create["actor"] == activities.actor_id()
    note = create["object"]
    assert note["id"] == note["url"] == note_id
    assert note["type"] == "Note"
    assert note["attributedTo"] == activities.actor_id()
    assert note["inReplyTo"] == alice.id + "/statuses/1"
    assert note["to"] == [activities.PUBLIC] == create["to"]
    assert note["cc"] == [alice.id, activities.followers_id()] == create["cc"]
    mention = f"@alice@{remote.url('').removeprefix('http://')}"
    assert note["tag"] == [{"type": "Mention", "href": alice.id, "name": mention}]
    # The mention first, as Mastodon writes a reply; then the author's text.
    assert note["content"] == (
        f'<p><span class="h-card" translate="no"><a href="{remote.url("/@alice")}" '
        'class="u-url mention">@<span>alice</span></a></span> The answer.</p>'
    )
    assert note["published"] == activities.timestamp(answer.created_at)
    # Signed by the blog, through the delivery queue.
    (request,) = [item for item in remote.received if item.method == "POST"]
    check_signed(request, ActorKey.current())
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_an_answer_where_the_thread_is_full_still_goes_to_the_person_asked(
    fediverse_reply, alice, remote, author, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_COMMENTS_THREAD_DEPTH = 1  # every reply shows at the top level of the thread
    remote.received.clear()

    answer = _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)

    assert answer.parent is None and answer.thread_id == fediverse_reply.pk
    (create,) = _sent(remote)
    assert create["object"]["inReplyTo"] == alice.id + "/statuses/1"


def test_followers_get_the_answer_too_one_request_per_server(
    fediverse_reply, remote, author, django_capture_on_commit_callbacks
):
    remote.add("/other/inbox", status=202, content_type=None)
    Follower.objects.create(
        actor_uri=remote.url("/users/bob"),
        inbox=remote.url("/users/bob/inbox"),
        shared_inbox=remote.url("/inbox"),
    )
    Follower.objects.create(
        actor_uri="http://127.0.0.1:1/users/carol",
        inbox=remote.url("/users/carol/inbox"),
        shared_inbox=remote.url("/other/inbox"),
    )
    remote.received.clear()
    _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    assert [a["type"] for a in _sent(remote)] == ["Create"]
    assert [a["type"] for a in _sent(remote, "/other/inbox")] == ["Create"]


def test_nothing_is_sent_for_other_comments(
    fediverse_reply, remote, author, django_capture_on_commit_callbacks
):
    post = fediverse_reply.post
    remote.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # A reader's reply to the fediverse reply.
        reader, _ = submit_comment(
            post=post,
            name="Reader",
            email="r@example.com",
            url="",
            text="Me too",
            ip=None,
            parent_id=fediverse_reply.pk,
        )
        moderate(reader, status=Status.APPROVED)
        # The author's comment on the post, and the author's answer to a reader.
        reply_as_author(post=post, user=author, text="A note for all")
        reply_as_author(post=post, user=author, text="Thanks", parent_id=reader.pk)
        # An author's comment that is not published.
        Comment.objects.create(
            post=post,
            author_name="Author",
            author_email="a@example.com",
            text="Held",
            written_by_author=True,
            status=Status.PENDING,
            parent=fediverse_reply,
            depth=1,
        )
    assert _sent(remote) == []
    assert not SentNote.objects.exists()


def test_nothing_is_sent_when_the_fediverse_is_off(
    fediverse_reply, remote, author, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_FEDIVERSE_ENABLED = False
    remote.received.clear()
    _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    assert _sent(remote) == []
    assert not Delivery.objects.exists()


def test_the_notes_id_answers_activitypub_clients_with_the_note(
    client, fediverse_reply, remote, author, django_capture_on_commit_callbacks
):
    answer = _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    (create,) = _sent(remote)
    url = answer.get_absolute_url()

    response = client.get(url, headers={"Accept": AP})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(AP)
    assert "Accept" in response["Vary"]
    assert response.json() == {"@context": activities.AS_CONTEXT, **create["object"]}

    # Browsers still go to the comment on its page.
    page = client.get(url)
    assert page.status_code == 302
    assert page["Location"].endswith(f"#comment-{answer.pk}")
    # Readers' comments, the fediverse reply among them, are never served as Notes.
    assert client.get(fediverse_reply.get_absolute_url(), headers={"Accept": AP}).status_code == 404
    assert client.get("/comments/999999/", headers={"Accept": AP}).status_code == 404


def test_an_edit_sends_update_and_a_save_without_change_nothing(
    fediverse_reply, remote, author, django_capture_on_commit_callbacks
):
    answer = _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    remote.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer.text = "The answer, corrected."
        answer.save()
    (update,) = _sent(remote)
    assert update["type"] == "Update"
    assert update["object"]["id"] == activities.absolute(answer.get_absolute_url())
    assert "The answer, corrected." in update["object"]["content"]
    assert "updated" in update["object"]

    remote.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer.save()
    assert _sent(remote) == []


def test_a_rejected_answer_is_deleted_and_its_id_is_gone(
    client, fediverse_reply, remote, author, django_capture_on_commit_callbacks
):
    answer = _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    note_id = activities.absolute(answer.get_absolute_url())
    remote.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderate(answer, status=Status.REJECTED)
    (delete,) = _sent(remote)
    assert delete["type"] == "Delete"
    assert delete["object"] == {"id": note_id, "type": "Tombstone"}
    response = client.get(answer.get_absolute_url(), headers={"Accept": AP})
    assert (response.status_code, response.json()["type"]) == (410, "Tombstone")

    # Approved again: created again.
    remote.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderate(answer, status=Status.APPROVED)
    assert [a["type"] for a in _sent(remote)] == ["Create"]


def test_a_deleted_answer_is_deleted_and_its_id_is_gone(
    client, fediverse_reply, remote, author, django_capture_on_commit_callbacks
):
    answer = _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    url = answer.get_absolute_url()
    remote.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer.delete()
    (delete,) = _sent(remote)
    assert (delete["type"], delete["object"]["type"]) == ("Delete", "Tombstone")
    assert client.get(url, headers={"Accept": AP}).status_code == 410


def test_an_unpublished_post_takes_the_answer_with_it(
    client, fediverse_reply, remote, author, django_capture_on_commit_callbacks
):
    answer = _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    remote.received.clear()
    post = fediverse_reply.post
    with django_capture_on_commit_callbacks(execute=True):
        post.status = Post.Status.DRAFT
        post.save()
    assert "Delete" in [a["type"] for a in _sent(remote)]
    assert client.get(answer.get_absolute_url(), headers={"Accept": AP}).status_code == 410


def test_a_person_whose_actor_cannot_be_fetched_gets_nothing_yet(
    fediverse_reply, remote, alice, author, django_capture_on_commit_callbacks
):
    remote.add(f"/users/{alice.username}", status=404)
    remote.received.clear()
    answer = _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    assert _sent(remote) == []
    assert not SentNote.objects.exists()
    # Its server answers again: the next try (a deferred task, or this) sends the answer.
    alice.publish()
    with django_capture_on_commit_callbacks(execute=True):
        assert answers.sync_answer(answer.pk) == "create"
    assert [a["type"] for a in _sent(remote)] == ["Create"]


def test_a_follower_is_answered_without_fetching_the_actor(
    fediverse_reply, remote, alice, author, django_capture_on_commit_callbacks
):
    Follower.objects.create(
        actor_uri=alice.id,
        inbox=alice.inbox,
        shared_inbox=remote.url("/inbox"),
        handle="@alice@remote.example",
    )
    remote.received.clear()
    _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    assert [item.method for item in remote.received] == ["POST"]
    (create,) = _sent(remote)
    assert create["object"]["tag"][0]["name"] == "@alice@remote.example"


def test_a_fediverse_reply_to_the_answer_joins_its_thread(
    client, fediverse_reply, alice, remote, author, django_capture_on_commit_callbacks
):
    answer = _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    (create,) = _sent(remote)
    again = alice.activity("create-note", n="2", in_reply_to=create["object"]["id"], text="Thanks")
    assert alice.post(client, reverse("fediverse:inbox"), again).status_code == 202
    assert Comment.objects.get(fediverse__object_id=alice.id + "/statuses/2").parent == answer


def test_a_blocked_instance_is_not_sent_the_answer(
    fediverse_reply, remote, author, django_capture_on_commit_callbacks
):
    Block.objects.create(domain="127.0.0.1")
    remote.received.clear()
    _answer(author, fediverse_reply, capture=django_capture_on_commit_callbacks)
    assert _sent(remote) == []
