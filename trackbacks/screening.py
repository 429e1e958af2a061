"""A ping as moderation's shared rules see it: the spam checks' submission, the flood limits."""

from __future__ import annotations

from django.conf import settings

from blog.models import Post
from moderation import flood, spam
from trackbacks.models import Trackback

SPAM_KINDS = {
    Trackback.Kind.TRACKBACK: spam.Kind.TRACKBACK,
    Trackback.Kind.PINGBACK: spam.Kind.PINGBACK,
    Trackback.Kind.WEBMENTION: spam.Kind.WEBMENTION,
}


def ping_submission(
    *, post: Post, kind: str, url: str, title: str, excerpt: str, blog_name: str, ip: str | None
) -> spam.Submission:
    """A ping as the shared spam checks see it (received live or imported)."""
    return spam.Submission(
        kind=SPAM_KINDS[kind],
        post=post,
        author_name=blog_name,
        author_url=url,
        text=f"{title}\n{excerpt}",
        ip=ip,
    )


def throttle(*, ip: str | None, post: Post):
    """Movable Type's limits: per address, and per post per hour and per day."""
    refusal = flood.flood_check(
        scope="trackback", ip=ip, limit=settings.KIJI_TRACKBACKS_PER_IP_PER_MINUTE, window=60
    )
    refusal = refusal or flood.flood_check(
        scope=f"trackback-post-hour:{post.pk}",
        ip="any",
        limit=settings.KIJI_TRACKBACKS_PER_POST_PER_HOUR,
        window=3600,
    )
    return refusal or flood.flood_check(
        scope=f"trackback-post-day:{post.pk}",
        ip="any",
        limit=settings.KIJI_TRACKBACKS_PER_POST_PER_DAY,
        window=86400,
    )
