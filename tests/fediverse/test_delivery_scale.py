"""Delivery at scale: what one post to many followers costs in queries, requests and key reads.

bench/fediverse_delivery.py measures the whole path (1,000 followers on 200
instances, through gunicorn and db_worker); these tests keep the parts that
make it scale from slipping back.
"""

from unittest import mock

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fediverse import delivery, sending
from fediverse.models import ActorKey, Delivery, Follower
from tests.trackbacks.conftest import WebServer

pytestmark = pytest.mark.django_db

ACTIVITY = {"id": "https://blog.example/x#create", "type": "Create", "object": {"id": "x"}}


def add_followers(host: str, count: int, *, shared: bool = True) -> None:
    Follower.objects.bulk_create(
        Follower(
            actor_uri=f"https://{host}/users/reader{n}",
            inbox=f"https://{host}/users/reader{n}/inbox",
            shared_inbox=f"https://{host}/inbox" if shared else "",
        )
        for n in range(count)
    )


def test_a_thousand_followers_are_reached_through_each_instance_s_shared_inbox():
    add_followers("first.example", 5)
    with CaptureQueriesContext(connection) as few:
        assert delivery.followers_inboxes() == ["https://first.example/inbox"]
    for n in range(1, 200):
        add_followers(f"social{n}.example", 5, shared=n < 198)
    with CaptureQueriesContext(connection) as many:
        inboxes = delivery.followers_inboxes()
    # 198 shared inboxes, and the 10 followers of the two instances without one.
    assert len(inboxes) == 198 + 10
    assert len(set(inboxes)) == len(inboxes)
    assert len(many) == len(few)


def test_recording_deliveries_does_not_cost_a_query_per_inbox(django_capture_on_commit_callbacks):
    counts = []
    for size in (10, 50):
        inboxes = [f"https://social{n}.example/inbox" for n in range(size)]
        with (
            django_capture_on_commit_callbacks() as callbacks,
            CaptureQueriesContext(connection) as queries,
        ):
            delivery.deliver(ACTIVITY, inboxes)
        counts.append(len(queries))
        # The tasks are queued once the transaction commits, in one callback.
        assert len(callbacks) == 1
    assert counts[0] == counts[1]
    assert Delivery.objects.count() == 60


@pytest.fixture
def inbox(settings):
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    settings.KIJI_SITE_URL = "https://blog.example"
    server = WebServer()
    server.add("/inbox", status=202, content_type=None)
    yield server.url("/inbox")
    server.stop()


@pytest.fixture(params=["database", "file"])
def blog_key(request, settings, tmp_path):
    """The blog's key as kept in the database, or in a file named by the setting."""
    key = ActorKey.current()
    if request.param == "file":
        path = tmp_path / "actor.pem"
        path.write_text(key.private_key_pem)
        settings.KIJI_FEDIVERSE_PRIVATE_KEY_FILE = str(path)
    return request.param


def test_the_blog_key_is_read_once_not_for_every_delivery(inbox, blog_key):
    first, *others = Delivery.objects.bulk_create(
        Delivery(inbox=inbox, activity=ACTIVITY) for _ in range(6)
    )
    sending.attempt(first.pk)
    load = serialization.load_pem_private_key
    with mock.patch.object(serialization, "load_pem_private_key", wraps=load) as reads:
        for item in others:
            sending.attempt(item.pk)
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert reads.call_count == 0
