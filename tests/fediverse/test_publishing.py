"""Posts reach followers once public: Create, Update, Delete; drafts and scheduled posts wait."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from fediverse import activities
from fediverse.models import ActorKey, Delivery, SentArticle
from tests.factories import make_post
from tests.fediverse.test_delivery import add_follower, check_signed

pytestmark = pytest.mark.django_db

AP = "application/activity+json"


@pytest.fixture
def inbox(settings):
    from tests.trackbacks.conftest import WebServer

    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    settings.KIJI_SITE_URL = "https://blog.example"
    server = WebServer()
    server.add("/inbox", status=202, content_type=None)
    # Two followers on one server (one shared inbox), and one on another path.
    add_follower(server, "a")
    add_follower(server, "b")
    server.add("/other/inbox", status=202, content_type=None)
    add_follower(server, "c", shared="/other/inbox")
    yield server
    server.stop()


def sent(server) -> list[tuple[str, str, str]]:
    """(inbox path, activity type, object id) of each request received, in order."""
    items = []
    for received in server.received:
        activity = json.loads(received.body)
        obj = activity["object"]
        items.append((received.path, activity["type"], obj["id"] if isinstance(obj, dict) else obj))
    server.received.clear()
    return items


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what is queued on commit (the immediate task backend then runs the tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_publishing_sends_create_to_each_shared_inbox_once(inbox, commit):
    with commit():
        post = make_post("Hello followers")
    object_id = "https://blog.example" + post.get_absolute_url()
    assert sorted(sent_items := sent(inbox)) == [
        ("/inbox", "Create", object_id),
        ("/other/inbox", "Create", object_id),
    ]
    assert len(sent_items) == 2
    assert SentArticle.objects.get(post=post).object_id == object_id


def test_the_create_is_signed_and_carries_the_article(inbox, commit):
    with commit():
        post = make_post("Signed")
    key = ActorKey.current()
    for received in inbox.received:
        check_signed(received, key)
        activity = json.loads(received.body)
        assert activity["actor"] == activities.actor_id()
        assert activity["object"]["type"] == "Article"
        assert activity["object"]["name"] == "Signed"
        assert activity["object"]["url"] == activities.object_id(post)


def test_drafts_are_never_sent(inbox, commit):
    with commit():
        post = make_post("Draft", status=Post.Status.DRAFT)
        post.title = "Draft, edited"
        post.save()
    assert inbox.received == []
    assert not Delivery.objects.exists()


def test_a_scheduled_post_is_sent_when_due_not_before(inbox, commit):
    with commit():
        post = make_post("Later", published_at=timezone.now() + timedelta(hours=2))
        post.title = "Later, edited"
        post.save()
    assert inbox.received == []
    with commit():
        call_command("send_fediverse_due", stdout=io.StringIO())
    assert inbox.received == []
    # Its time comes.
    Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - timedelta(minutes=1))
    with commit():
        call_command("send_fediverse_due", stdout=io.StringIO())
    assert [kind for _, kind, _ in sent(inbox)] == ["Create", "Create"]
    # Sent once only.
    with commit():
        call_command("send_fediverse_due", stdout=io.StringIO())
    assert inbox.received == []


def test_an_edit_sends_update_and_a_save_without_change_sends_nothing(inbox, commit):
    with commit():
        post = make_post("Edited")
    sent(inbox)
    with commit():
        post.body = "A better body."
        post.save()
    updates = sent(inbox)
    assert [kind for _, kind, _ in updates] == ["Update", "Update"]
    with commit():
        post.save()
    assert inbox.received == []


def test_unpublishing_sends_delete_and_leaves_a_tombstone(inbox, commit, client):
    with commit():
        post = make_post("Withdrawn")
    sent(inbox)
    url = post.get_absolute_url()
    with commit():
        post.status = Post.Status.DRAFT
        post.save()
    assert sorted(sent(inbox)) == [
        ("/inbox", "Delete", "https://blog.example" + url),
        ("/other/inbox", "Delete", "https://blog.example" + url),
    ]
    response = client.get(url, HTTP_ACCEPT=AP)
    assert response.status_code == 410
    assert response.json()["type"] == "Tombstone"
    assert response.json()["id"] == "https://blog.example" + url
    # Browsers still get the page's 404.
    assert client.get(url).status_code == 404
    # Published again: Create again.
    with commit():
        post.status = Post.Status.PUBLISHED
        post.save()
    assert [kind for _, kind, _ in sent(inbox)] == ["Create", "Create"]
    assert client.get(url, HTTP_ACCEPT=AP).json()["type"] == "Article"


def test_unpublishing_in_bulk_sends_delete(inbox, commit, client, author):
    with commit():
        post = make_post("Bulk")
    sent(inbox)
    client.force_login(author)
    with commit():
        # The admin's action: `PostQuerySet.unpublish()` (no model signals) + content_changed.
        response = client.post(
            reverse("admin:blog_post_changelist"),
            {"action": "unpublish", "_selected_action": [post.pk]},
        )
    assert response.status_code == 302
    assert [kind for _, kind, _ in sent(inbox)] == ["Delete", "Delete"]


def test_deleting_sends_delete_and_leaves_a_tombstone(inbox, commit, client):
    with commit():
        post = make_post("Deleted")
    sent(inbox)
    url = post.get_absolute_url()
    with commit():
        post.delete()
    assert [kind for _, kind, _ in sent(inbox)] == ["Delete", "Delete"]
    response = client.get(url, HTTP_ACCEPT=AP)
    assert response.status_code == 410
    assert response.json()["type"] == "Tombstone"


def test_a_draft_deleted_sends_nothing(inbox, commit):
    with commit():
        post = make_post("Never public", status=Post.Status.DRAFT)
        post.delete()
    assert inbox.received == []


def test_without_followers_nothing_is_recorded_for_delivery(settings, commit):
    settings.KIJI_SITE_URL = "https://blog.example"
    with commit():
        make_post("Alone")
    assert not Delivery.objects.exists()


def test_a_failing_delivery_does_not_fail_publishing(inbox, commit):
    inbox.add("/inbox", status=500)
    with commit():
        post = make_post("Published anyway")
    assert Post.objects.published().filter(pk=post.pk).exists()
    assert set(Delivery.objects.values_list("status", flat=True)) == {
        Delivery.Status.QUEUED,
        Delivery.Status.SENT,
    }


def test_a_scheduled_post_is_queued_for_its_publish_time(settings, commit):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    when = timezone.now() + timedelta(days=2)
    with commit():
        post = make_post("Scheduled", published_at=when)
    [queued] = [r for r in default_task_backend.results if r.task.name == "publish_post"]
    assert (queued.task.run_after, queued.args) == (when, [post.pk])
    assert not Delivery.objects.exists()
