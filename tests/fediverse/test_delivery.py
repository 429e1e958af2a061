"""Delivery: one signed POST per shared inbox, through the queue, retried, gone servers skipped."""

import base64
import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.core.management import call_command
from django.utils import timezone

from fediverse import activities, delivery, sending
from fediverse.models import ActorKey, Delivery, Follower, Instance
from tests.trackbacks.conftest import WebServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox_server(settings):
    """Inboxes on 127.0.0.1, with the fetcher allowed to reach loopback."""
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    settings.KIJI_SITE_URL = "https://blog.example"
    server = WebServer()
    server.add("/inbox", status=202, content_type=None)
    yield server
    server.stop()


def add_follower(server, name: str, *, shared: str | None = "/inbox") -> Follower:
    return Follower.objects.create(
        actor_uri=server.url(f"/users/{name}"),
        inbox=server.url(f"/users/{name}/inbox"),
        shared_inbox=server.url(shared) if shared else "",
        handle=f"@{name}@127.0.0.1",
    )


def check_signed(received, key: ActorKey) -> None:
    """Verify a received request's draft-cavage signature with the blog's public key."""
    headers = {name.lower(): value for name, value in received.headers.items()}
    params = dict(re.findall(r'(\w+)="([^"]*)"', headers["signature"]))
    assert params["keyId"] == activities.key_id()
    assert params["algorithm"] == "rsa-sha256"
    names = params["headers"].split()
    assert {"(request-target)", "host", "date", "digest"} <= set(names)
    lines = [
        f"(request-target): {received.method.lower()} {received.path}"
        if name == "(request-target)"
        else f"{name}: {headers[name]}"
        for name in names
    ]
    public = serialization.load_pem_public_key(key.public_key_pem.encode())
    public.verify(
        base64.b64decode(params["signature"]),
        "\n".join(lines).encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    digest = base64.b64encode(hashlib.sha256(received.body).digest()).decode()
    assert headers["digest"] == f"SHA-256={digest}"


ACTIVITY = {"id": "https://blog.example/x#create", "type": "Create", "object": {"id": "x"}}


def test_one_signed_request_per_shared_inbox(inbox_server, django_capture_on_commit_callbacks):
    add_follower(inbox_server, "a")
    add_follower(inbox_server, "b")
    add_follower(inbox_server, "c", shared=None)
    inbox_server.add("/users/c/inbox", status=202, content_type=None)
    inboxes = delivery.followers_inboxes()
    assert sorted(inboxes) == [inbox_server.url("/inbox"), inbox_server.url("/users/c/inbox")]
    with django_capture_on_commit_callbacks(execute=True):
        delivery.deliver(ACTIVITY, inboxes)
        # Nothing leaves before the transaction commits: publishing never waits on the network.
        assert inbox_server.received == []
    assert sorted(r.path for r in inbox_server.received) == ["/inbox", "/users/c/inbox"]
    key = ActorKey.current()
    for received in inbox_server.received:
        assert received.method == "POST"
        assert received.headers["Content-Type"] == "application/activity+json"
        assert json.loads(received.body) == ACTIVITY
        check_signed(received, key)
        assert "PRIVATE" not in json.dumps(received.headers) + received.body.decode()
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert Instance.objects.get(host=f"127.0.0.1:{inbox_server.port}").last_ok_at is not None


def test_a_failing_inbox_is_retried_with_growing_delay_then_given_up(inbox_server, settings):
    settings.KIJI_FEDIVERSE_DELIVERY_MAX_ATTEMPTS = 3
    settings.KIJI_FEDIVERSE_DELIVERY_RETRY_SECONDS = 60
    inbox_server.add("/inbox", status=503, body="busy")
    item = Delivery.objects.create(inbox=inbox_server.url("/inbox"), activity=ACTIVITY)
    delays = []
    for _ in range(3):
        before = timezone.now()
        _status, retry_at = sending.attempt(item.pk)
        if retry_at is not None:
            delays.append(round((retry_at - before).total_seconds() / 60))
        # The retry is due: as `send_fediverse_due` would find it later.
        Delivery.objects.filter(pk=item.pk, next_attempt_at__isnull=False).update(
            next_attempt_at=timezone.now()
        )
    assert delays == [1, 2]
    item.refresh_from_db()
    assert item.status == Delivery.Status.FAILED
    assert item.attempts == 3
    assert item.last_error == "HTTP 503"
    assert len(inbox_server.received) == 3
    assert Instance.objects.get().failing_since is not None


def test_a_retry_is_not_due_before_its_time(inbox_server):
    inbox_server.add("/inbox", status=500)
    item = Delivery.objects.create(inbox=inbox_server.url("/inbox"), activity=ACTIVITY)
    assert sending.attempt(item.pk)[0] == Delivery.Status.QUEUED
    assert sending.attempt(item.pk) == ("not due", None)
    call_command("send_fediverse_due", stdout=io.StringIO())
    assert len(inbox_server.received) == 1
    Delivery.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    inbox_server.add("/inbox", status=202)
    call_command("send_fediverse_due", stdout=io.StringIO())
    item.refresh_from_db()
    assert item.status == Delivery.Status.SENT
    assert item.attempts == 2
    # The server answered again: it is not failing any more.
    assert Instance.objects.get().failing_since is None


def test_a_refusal_is_final(inbox_server):
    inbox_server.add("/inbox", status=410)
    item = Delivery.objects.create(inbox=inbox_server.url("/inbox"), activity=ACTIVITY)
    assert sending.attempt(item.pk) == (Delivery.Status.FAILED, None)
    assert Instance.objects.get().failing_since is None


def test_unsafe_inboxes_are_never_reached(inbox_server, settings):
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = False
    item = Delivery.objects.create(inbox=inbox_server.url("/inbox"), activity=ACTIVITY)
    assert sending.attempt(item.pk)[0] == Delivery.Status.FAILED
    assert inbox_server.received == []


def test_a_gone_instance_is_skipped_until_it_answers_again(inbox_server, settings):
    settings.KIJI_FEDIVERSE_SKIP_GONE_AFTER_SECONDS = 3 * 24 * 3600
    host = f"127.0.0.1:{inbox_server.port}"
    now = timezone.now()
    Instance.objects.create(
        host=host, failing_since=now - timedelta(days=4), last_attempt_at=now - timedelta(hours=1)
    )
    skipped = Delivery.objects.create(inbox=inbox_server.url("/inbox"), activity=ACTIVITY)
    assert sending.attempt(skipped.pk)[0] == Delivery.Status.SKIPPED
    assert inbox_server.received == []
    # Failing for less long: still tried.
    Instance.objects.filter(host=host).update(failing_since=now - timedelta(days=2))
    tried = Delivery.objects.create(inbox=inbox_server.url("/inbox"), activity=ACTIVITY)
    assert sending.attempt(tried.pk)[0] == Delivery.Status.SENT
    assert Instance.objects.get(host=host).failing_since is None


def test_a_gone_instance_is_probed_once_a_day(inbox_server):
    host = f"127.0.0.1:{inbox_server.port}"
    now = timezone.now()
    Instance.objects.create(
        host=host, failing_since=now - timedelta(days=10), last_attempt_at=now - timedelta(days=2)
    )
    probe = Delivery.objects.create(inbox=inbox_server.url("/inbox"), activity=ACTIVITY)
    assert sending.attempt(probe.pk)[0] == Delivery.Status.SENT
    instance = Instance.objects.get(host=host)
    assert instance.failing_since is None and instance.last_ok_at is not None


def test_an_activity_from_the_instance_clears_its_failure(inbox_server):
    host = f"127.0.0.1:{inbox_server.port}"
    now = timezone.now()
    Instance.objects.create(host=host, failing_since=now - timedelta(days=10), last_attempt_at=now)
    delivery.instance_answered(host)
    item = Delivery.objects.create(inbox=inbox_server.url("/inbox"), activity=ACTIVITY)
    assert sending.attempt(item.pk)[0] == Delivery.Status.SENT
