"""Fediverse commenters' avatars: proxied, made anew, or not shown (fediverse/avatars.py)."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from comments.models import Comment
from fediverse import activities, avatars
from fediverse.models import Avatar
from moderation import privacy
from moderation.models import Status
from moderation.services import moderate
from tests.factories import make_post
from tests.fediverse.remote import serve

pytestmark = pytest.mark.django_db

SHOWN = re.compile(r'<img class="comment-avatar" src="([^"]+)"')


@pytest.fixture
def remote(settings):
    yield from serve(settings)


@pytest.fixture
def inbox():
    return reverse("fediverse:inbox")


def picture(size=(300, 200), fmt="JPEG", colour=(200, 30, 30)) -> bytes:
    """A picture that carries what a reader must never get: EXIF (with GPS), a comment."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (35.0, 39.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", exif=exif, comment=b"owner: hanako")
    else:
        image.save(out, fmt)
    return out.getvalue()


def _avatar_requests(remote) -> list:
    return [r for r in remote.received if r.path.startswith("/avatars/")]


def _reply_approved(client, inbox, actor, post, n, captured):
    note = actor.activity(
        "create-note", n=n, in_reply_to=activities.object_id(post), text=f"Words {n}"
    )
    assert actor.post(client, inbox, note).status_code == 202
    comment = Comment.objects.get(fediverse__object_id=note["object"]["id"])
    with captured(execute=True):
        moderate(comment, status=Status.APPROVED)
    return comment


def _page(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_proxy_fetches_once_on_approval_and_serves_a_clean_square(
    client, remote, inbox, django_capture_on_commit_callbacks
):
    remote.add("/avatars/alice.png", picture(), content_type="image/jpeg")
    post = make_post()
    alice = remote.actor("alice")
    note = alice.activity("create-note", n="1", in_reply_to=activities.object_id(post), text="Hi")
    assert alice.post(client, inbox, note).status_code == 202
    assert _avatar_requests(remote) == []  # not while it waits for review
    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.get(), status=Status.APPROVED)
    assert len(_avatar_requests(remote)) == 1
    _reply_approved(client, inbox, alice, post, "2", django_capture_on_commit_callbacks)
    assert len(_avatar_requests(remote)) == 1  # fetched once

    page = _page(client, post)
    assert remote.url("/avatars/") not in page
    urls = SHOWN.findall(page)
    assert len(urls) == 2 and urls[0] == urls[1] and urls[0].startswith("/fediverse/avatars/")

    served = client.get(urls[0])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert "max-age=31536000" in served["Cache-Control"]
    body = b"".join(served.streaming_content) if served.streaming else served.content
    assert b"SecretCam" not in body and b"hanako" not in body
    image = Image.open(io.BytesIO(body))
    assert (image.format, image.size) == ("PNG", (96, 96))
    assert not image.getexif()
    assert set(image.info) <= {"dpi", "gamma", "transparency"}


@pytest.mark.parametrize(
    "served",
    [
        {"body": b"not found", "status": 404},
        {"body": b"<html>hello</html>", "content_type": "text/html"},
        {"body": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "content_type": "image/png"},
        {"body": picture(fmt="BMP"), "content_type": "image/bmp"},
        {"body": picture(size=(3000, 3000)), "content_type": "image/jpeg", "cap": 10_000},
        {"body": picture(size=(400, 400)), "content_type": "image/jpeg", "pixels": 100},
    ],
    ids=["404", "html", "broken-png", "bmp", "too-many-bytes", "too-many-pixels"],
)
def test_a_picture_that_fails_means_no_avatar_never_an_error(
    client, remote, inbox, settings, monkeypatch, django_capture_on_commit_callbacks, served
):
    served = dict(served)
    if "cap" in served:
        settings.KIJI_FEDIVERSE_AVATAR_MAX_BYTES = served.pop("cap")
    if "pixels" in served:
        monkeypatch.setattr(avatars, "MAX_PIXELS", served.pop("pixels"))
    remote.add("/avatars/alice.png", **served)
    post = make_post()
    alice = remote.actor("alice")
    _reply_approved(client, inbox, alice, post, "1", django_capture_on_commit_callbacks)

    stored = Avatar.objects.get()
    assert (stored.digest, bytes(stored.image)) == ("", b"")
    page = _page(client, post)
    assert "Words 1" in page
    assert not SHOWN.search(page)
    # Not fetched again for the next reply (the same URL).
    _reply_approved(client, inbox, alice, post, "2", django_capture_on_commit_callbacks)
    assert len(_avatar_requests(remote)) == 1


def test_none_fetches_and_shows_nothing(
    client, remote, inbox, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_FEDIVERSE_AVATARS = "none"
    remote.add("/avatars/alice.png", picture(), content_type="image/jpeg")
    post = make_post()
    _reply_approved(
        client, inbox, remote.actor("alice"), post, "1", django_capture_on_commit_callbacks
    )
    assert _avatar_requests(remote) == []
    page = _page(client, post)
    assert not SHOWN.search(page) and remote.url("/avatars/") not in page


def test_hotlink_points_at_the_commenters_server(
    client, remote, inbox, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_FEDIVERSE_AVATARS = "hotlink"
    post = make_post()
    _reply_approved(
        client, inbox, remote.actor("alice"), post, "1", django_capture_on_commit_callbacks
    )
    assert _avatar_requests(remote) == []
    assert SHOWN.findall(_page(client, post)) == [remote.url("/avatars/alice.png")]


def test_a_cached_page_shows_the_avatar_once_it_is_stored(
    client, remote, inbox, django_capture_on_commit_callbacks
):
    remote.add("/avatars/alice.png", picture(), content_type="image/jpeg")
    post = make_post()
    alice = remote.actor("alice")
    note = alice.activity("create-note", n="1", in_reply_to=activities.object_id(post), text="Hi")
    assert alice.post(client, inbox, note).status_code == 202
    with django_capture_on_commit_callbacks() as queued:
        moderate(Comment.objects.get(), status=Status.APPROVED)
    # Approved, and the page cached, before the task has fetched the picture.
    assert not SHOWN.search(_page(client, post))
    assert not SHOWN.search(_page(client, post))
    for callback in queued:
        callback()
    assert len(SHOWN.findall(_page(client, post))) == 1


def test_the_post_pages_queries_stay_constant_with_avatars(
    client, remote, inbox, django_capture_on_commit_callbacks
):
    post = make_post()
    actors = [remote.actor(f"user{n}") for n in range(4)]
    for actor in actors:
        remote.add(f"/avatars/{actor.username}.png", picture(), content_type="image/jpeg")

    def queries() -> int:
        from django.core.cache import cache

        from pagecache.fragments import local_markup
        from pagecache.pages import local_pages

        cache.clear()
        local_pages.clear()
        local_markup.clear()
        with CaptureQueriesContext(connection) as captured:
            page = _page(client, post)
        return len(captured.captured_queries), len(SHOWN.findall(page))

    _reply_approved(client, inbox, actors[0], post, "1", django_capture_on_commit_callbacks)
    one, shown = queries()
    assert shown == 1
    for n, actor in enumerate(actors[1:], start=2):
        _reply_approved(client, inbox, actor, post, str(n), django_capture_on_commit_callbacks)
    assert queries() == (one, 4)


def test_personal_data_removes_the_stored_avatar(
    client, remote, inbox, django_capture_on_commit_callbacks
):
    remote.add("/avatars/alice.png", picture(), content_type="image/jpeg")
    remote.add("/avatars/bob.png", picture(colour=(0, 0, 200)), content_type="image/jpeg")
    post = make_post()
    alice, bob = remote.actor("alice"), remote.actor("bob")
    _reply_approved(client, inbox, alice, post, "1", django_capture_on_commit_callbacks)
    _reply_approved(client, inbox, bob, post, "2", django_capture_on_commit_callbacks)
    alices, bobs = (Avatar.objects.get(actor_uri=a.id) for a in (alice, bob))
    url = SHOWN.findall(_page(client, post))[0]
    assert privacy.export(alice.id)["fediverse_avatars"][0]["source_url"] == remote.url(
        "/avatars/alice.png"
    )

    assert privacy.anonymise(alice.id) >= 1
    assert not Avatar.objects.filter(pk=alices.pk).exists()
    assert client.get(url).status_code == 404
    assert len(SHOWN.findall(_page(client, post))) == 1

    privacy.delete(bob.id)
    assert not Avatar.objects.filter(pk=bobs.pk).exists()
    assert not SHOWN.search(_page(client, post))


def test_a_deleted_account_takes_its_avatar(
    client, remote, inbox, django_capture_on_commit_callbacks
):
    remote.add("/avatars/alice.png", picture(), content_type="image/jpeg")
    post = make_post()
    alice = remote.actor("alice")
    _reply_approved(client, inbox, alice, post, "1", django_capture_on_commit_callbacks)
    assert Avatar.objects.exists()
    assert alice.post(client, inbox, alice.activity("delete-actor")).status_code == 202
    assert not Avatar.objects.exists()


def test_serving_refuses_what_it_does_not_have(client, settings):
    Avatar.objects.create(actor_uri="https://m.example/u/a", source_url="https://m.example/a.png")
    for digest in ("0" * 64, "abc", ""):
        assert client.get(f"/fediverse/avatars/{digest}.png").status_code == 404


def test_the_author_sees_and_deletes_avatars_in_the_admin(
    client, author, remote, inbox, django_capture_on_commit_callbacks
):
    remote.add("/avatars/alice.png", picture(), content_type="image/jpeg")
    post = make_post()
    _reply_approved(
        client, inbox, remote.actor("alice"), post, "1", django_capture_on_commit_callbacks
    )
    assert SHOWN.search(_page(client, post))
    avatar = Avatar.objects.get()
    client.force_login(author)
    listing = client.get(reverse("admin:fediverse_avatar_changelist"))
    assert listing.status_code == 200
    assert avatar.actor_uri in listing.content.decode()
    assert client.get(reverse("admin:fediverse_avatar_change", args=[avatar.pk])).status_code == 200
    response = client.post(
        reverse("admin:fediverse_avatar_delete", args=[avatar.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    client.logout()
    assert not SHOWN.search(_page(client, post))
