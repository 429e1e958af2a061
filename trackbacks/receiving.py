"""What happens when a TrackBack, Pingback or Webmention arrives.

Every ping lands in the moderation queue shared with comments
(`moderation`): the spam checks give the first verdict, the ping is stored
once per source URL and post (the database enforces it), and its source page
is checked off the request path (`trackbacks.verification`, queued through
`trackbacks.tasks`). The reason of each decision is stored with the ping.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from blog.models import Post
from moderation import spam
from moderation.models import Status
from moderation.notify import notify_author
from trackbacks import cleaning, screening
from trackbacks.models import Trackback
from trackbacks.tasks import verify_linkback


@transaction.atomic
def _insert(item: Trackback) -> Trackback:
    item.save()
    return item


def receive_linkback(
    *,
    post: Post,
    kind: str,
    url: str,
    ip: str | None,
    title: str = "",
    excerpt: str = "",
    blog_name: str = "",
    target_url: str = "",
    charset: str = "",
    hold_reason: str = "",
    decoding_problem: str = "",
    undecoded: bytes = b"",
) -> tuple[Trackback, bool]:
    """Store a ping with the spam checks' verdict and queue its source check.

    Returns `(ping, created)`; a second ping from the same source URL to the
    same post returns the stored one with `created=False` (the database's
    unique constraint decides, also between simultaneous requests).
    `hold_reason` keeps the ping pending even if a check would approve it.
    A ping whose text could not be decoded keeps its `undecoded` bytes and the
    `decoding_problem` with it, so it can be read again (`redecode_pings`).
    """
    existing = Trackback.objects.filter(post=post, url=url).first()
    if existing is not None:
        return existing, False
    verdict = spam.check_submission(
        screening.ping_submission(
            post=post,
            kind=kind,
            url=url,
            title=title,
            excerpt=excerpt,
            blog_name=blog_name,
            ip=ip,
        )
    )
    status, reason = verdict.status, verdict.reason
    if hold_reason and status == Status.APPROVED:
        status, reason = Status.PENDING, hold_reason
    elif hold_reason and status == Status.PENDING:
        reason = hold_reason
    item = Trackback(
        post=post,
        kind=kind,
        url=url,
        target_url=target_url,
        title=title or cleaning.truncate(url, 255),
        excerpt=excerpt,
        blog_name=blog_name,
        charset=charset,
        decoding_problem=decoding_problem[:500],
        undecoded=undecoded or None,
        ip_address=ip,
        status=status,
        status_reason=reason[:255],
    )
    try:
        _insert(item)
    except IntegrityError:
        return Trackback.objects.get(post=post, url=url), False
    _after_receipt(item)
    return item, True


def _after_receipt(item: Trackback) -> None:
    if item.status == Status.SPAM:
        return
    if settings.KIJI_TRACKBACKS_VERIFY_SOURCE:
        pk = item.pk
        transaction.on_commit(lambda: verify_linkback.enqueue(pk))
    else:
        notify_author(item)


def receive_webmention(*, post: Post, source: str, target: str, ip: str | None):
    """A Webmention: new, or a re-delivery that makes Kiji check the source again."""
    existing = Trackback.objects.filter(post=post, url=source).first()
    if existing is None:
        return receive_linkback(
            post=post, kind=Trackback.Kind.WEBMENTION, url=source, target_url=target, ip=ip
        )
    Trackback.objects.filter(pk=existing.pk).update(target_url=target, updated_at=timezone.now())
    if settings.KIJI_TRACKBACKS_VERIFY_SOURCE:
        transaction.on_commit(lambda: verify_linkback.enqueue(existing.pk))
    return existing, False
