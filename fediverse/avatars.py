"""Fediverse commenters' pictures, never hot-linked unless the setting says so.

`KIJI_FEDIVERSE_AVATARS` (env `FEDIVERSE_AVATARS`) decides what readers get
beside an approved fediverse reply:

* `proxy` (the default): when a reply is approved, a task fetches the
  actor's avatar once, through the one SSRF-safe fetcher
  (`trackbacks.fetcher`, capped at `KIJI_FEDIVERSE_AVATAR_MAX_BYTES`), decodes
  it with Pillow (PNG, JPEG, GIF, WebP only; no more than `MAX_PIXELS`), and
  makes a new square PNG of `KIJI_FEDIVERSE_AVATAR_SIZE` pixels from its
  pixels alone: no EXIF, XMP, ICC or text chunks. It is kept in the database
  (`Avatar`) and served from this site at an address made from its digest,
  cached for a year. A picture that cannot be fetched or decoded is recorded
  as none: no avatar, never an error, and it is not fetched again until the
  actor's avatar URL changes. Readers' browsers never ask the commenter's
  server for anything, and no page render waits on the network.
* `none`: nothing is fetched or shown.
* `hotlink`: the page points at the avatar on the commenter's server.

The comment section asks for the pictures of the comments it shows in one
query (`pictures_for`, registered with `comments.pictures`). A picture stored
or deleted raises the discussion revision of the posts it shows on, so cached
pages follow. An `Avatar` goes with its actor's data: when their last reply
is deleted, when their comments are anonymised (fediverse/personal_data.py),
on `personal_data delete ACTOR_URI`, and when the account is deleted.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_tasks import task
from PIL import Image, ImageOps

from blog.models import Post
from comments.models import Comment
from fediverse.models import Avatar, RemoteReply
from moderation.models import Status
from trackbacks.fetcher import FetchError, fetch

logger = logging.getLogger(__name__)

ACCEPT = "image/png, image/jpeg, image/gif, image/webp"
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
MAX_PIXELS = 4096 * 4096
CACHE_SECONDS = 365 * 24 * 3600


class AvatarRefused(Exception):
    """The bytes are not a picture Kiji will make an avatar of."""


def mode() -> str:
    if not settings.KIJI_FEDIVERSE_ENABLED:
        return "none"
    return settings.KIJI_FEDIVERSE_AVATARS


def square(data: bytes, size: int) -> bytes:
    """A new square PNG, `size` pixels a side, made from the pixels in `data` and nothing else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
                if not (0 < width * height <= MAX_PIXELS):
                    raise AvatarRefused(f"{width}x{height} pixels")
                image.seek(0)  # the first frame of an animation
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = upright.convert("RGBA")
        fitted = ImageOps.fit(pixels, (size, size), Image.Resampling.LANCZOS)
        clean = Image.new("RGBA", (size, size))
        clean.paste(fitted)
        out = io.BytesIO()
        clean.save(out, "PNG", optimize=True)
    except AvatarRefused:
        raise
    except Exception as exc:  # any failure of a decoder on a stranger's bytes: no avatar
        raise AvatarRefused(f"{type(exc).__name__}: {exc}") from exc
    return out.getvalue()


def _download(url: str) -> bytes:
    limit = settings.KIJI_FEDIVERSE_AVATAR_MAX_BYTES
    try:
        response = fetch(url, headers={"Accept": ACCEPT}, max_bytes=limit)
    except FetchError as exc:
        raise AvatarRefused(str(exc)) from exc
    if not response.ok:
        raise AvatarRefused(f"answered {response.status}")
    if response.truncated:
        raise AvatarRefused(f"larger than {limit} bytes")
    return response.body


def _shown_on(actor_uri: str) -> list[int]:
    return sorted(
        set(
            Comment.objects.filter(
                fediverse__actor_uri=actor_uri, status=Status.APPROVED
            ).values_list("post_id", flat=True)
        )
    )


def refresh(actor_uri: str) -> Avatar | None:
    """Fetch and store the actor's avatar unless it is stored from the same URL already.

    The fetch happens outside any transaction: no row is held while the network answers.
    """
    if not actor_uri or mode() != "proxy":
        return None
    source = (
        RemoteReply.objects.filter(actor_uri=actor_uri)
        .exclude(avatar_url="")
        .order_by("-created_at", "-pk")
        .values_list("avatar_url", flat=True)
        .first()
    )
    if source is None:
        return None
    stored = Avatar.objects.filter(actor_uri=actor_uri).first()
    if stored is not None and stored.source_url == source:
        return stored
    try:
        image = square(_download(source), settings.KIJI_FEDIVERSE_AVATAR_SIZE)
    except AvatarRefused as exc:
        logger.info("No avatar for %s from %s: %s", actor_uri, source, exc)
        image = b""
    with transaction.atomic():
        if not RemoteReply.objects.filter(actor_uri=actor_uri).exists():
            return None  # forgotten (deleted, anonymised) while the picture was fetched
        stored, _ = Avatar.objects.update_or_create(
            actor_uri=actor_uri,
            defaults={
                "source_url": source,
                "image": image,
                "digest": hashlib.sha256(image).hexdigest() if image else "",
            },
        )
        Post.objects.raise_discussion_revision(*_shown_on(actor_uri))
    return stored


@task()
def fetch_avatar(actor_uri: str) -> str:
    """The background half of `refresh` (queued when a reply is approved)."""
    stored = refresh(actor_uri)
    return "stored" if stored is not None and stored.digest else "none"


def forget(actor_uri: str) -> int:
    """Delete the actor's stored avatar; return how many were deleted."""
    if not actor_uri:
        return 0
    deleted, _ = Avatar.objects.filter(actor_uri=actor_uri).delete()
    return deleted


# Signals (connected in `FediverseConfig.ready()`)


def reply_moderated(sender, item: Comment, previous: str, **kwargs) -> None:
    """An approved fediverse reply gets its author's avatar, fetched after the commit."""
    if item.status != Status.APPROVED or mode() != "proxy":
        return
    actor_uri = (
        RemoteReply.objects.filter(comment_id=item.pk).values_list("actor_uri", flat=True).first()
    )
    if actor_uri:
        transaction.on_commit(lambda: fetch_avatar.enqueue(actor_uri))


def avatar_deleted(sender, instance: Avatar, **kwargs) -> None:
    """However an avatar goes (admin, personal data, its actor forgotten), pages follow."""
    if instance.digest:
        Post.objects.raise_discussion_revision(*_shown_on(instance.actor_uri))


def reply_deleted(sender, instance: RemoteReply, **kwargs) -> None:
    """The actor's last reply is gone: so is their avatar."""
    if instance.actor_uri and not RemoteReply.objects.filter(actor_uri=instance.actor_uri).exists():
        forget(instance.actor_uri)


def connect() -> None:
    from django.db.models.signals import post_delete

    from moderation.signals import item_status_changed

    item_status_changed.connect(
        reply_moderated, sender=Comment, dispatch_uid="fediverse-avatar-on-approval"
    )
    post_delete.connect(reply_deleted, sender=RemoteReply, dispatch_uid="fediverse-avatar-gone")
    post_delete.connect(avatar_deleted, sender=Avatar, dispatch_uid="fediverse-avatar-deleted")


# The page


def pictures_for(comments) -> dict[int, str]:
    """`{comment pk: picture URL}` for the fediverse replies among `comments`, in one query."""
    current = mode()
    ids = [comment.pk for comment in comments]
    if current == "none" or not ids:
        return {}
    replies = RemoteReply.objects.filter(comment_id__in=ids).exclude(actor_uri="")
    if current == "hotlink":
        return dict(replies.exclude(avatar_url="").values_list("comment_id", "avatar_url"))
    digests = Avatar.objects.filter(actor_uri=OuterRef("actor_uri")).exclude(digest="")
    rows = (
        replies.annotate(digest=Subquery(digests.values("digest")[:1]))
        .filter(digest__isnull=False)
        .values_list("comment_id", "digest")
    )
    url = reverse("fediverse:avatar", kwargs={"digest": "0" * 64}).replace("0" * 64, "{}")
    return {comment_id: url.format(digest) for comment_id, digest in rows}


@require_GET
def serve(request: HttpRequest, digest: str) -> HttpResponse:
    """A stored avatar, from this site, cached for good (its address is its digest)."""
    if mode() != "proxy" or len(digest) != 64:
        raise Http404("No such avatar.")
    image = Avatar.objects.filter(digest=digest).values_list("image", flat=True).first()
    if not image:
        raise Http404("No such avatar.")
    response = HttpResponse(bytes(image), content_type="image/png")
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}, immutable"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
