"""What followers are told about posts: Create when one becomes public, Update on edits,
Delete (with a Tombstone kept for the old id) when it is unpublished or deleted.

`SentArticle` records what followers know of each post, so every decision is
made from the post as it is now and what was sent before: a draft or a
scheduled post is never sent before readers can see it, a save that changes
nothing sends nothing, and a post whose permalink moved is withdrawn under the
old id and created under the new one.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from blog.models import Post
from fediverse import activities
from fediverse.delivery import deliver, followers_inboxes
from fediverse.models import SentArticle


def _digest(article: dict) -> str:
    shown = {name: value for name, value in article.items() if name != "updated"}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


def withdraw(record: SentArticle) -> None:
    """Send Delete for what followers know as `record`; its id answers with a Tombstone."""
    now = timezone.now()
    record.deleted_at = now
    record.save(update_fields=["deleted_at"])
    deliver(activities.delete(record.object_id, at=now), followers_inboxes())


@transaction.atomic
def sync_post(post_id: int) -> str:
    """Bring followers up to date with post `post_id`; return what was sent."""
    post = Post.objects.filter(pk=post_id).prefetch_related("tags").first()
    records = SentArticle.objects.select_for_update()
    live = (
        records.filter(post_id=post_id, deleted_at__isnull=True).first()
        if post is not None
        else None
    )
    if post is None or not post.is_published():
        if live is None:
            return "nothing"
        withdraw(live)
        return "delete"
    url = activities.object_id(post)
    sent = "create"
    if live is not None and live.object_id != url:
        withdraw(live)
        live.post = None
        live.save(update_fields=["post"])
        live = None
    if live is None:
        record = records.filter(object_id=url).first() or SentArticle(object_id=url)
        SentArticle.objects.filter(post=post).exclude(pk=record.pk).update(post=None)
    else:
        record, sent = live, "update"
    now = timezone.now()
    article = activities.article(post, with_context=False)
    digest = _digest(article)
    if sent == "update" and record.digest == digest:
        return "nothing"
    activity = activities.update(post, at=now) if sent == "update" else activities.create(post)
    record.post, record.sent_at, record.deleted_at, record.digest = post, now, None, digest
    record.save()
    deliver(activity, followers_inboxes())
    return sent


@task()
def publish_post(post_id: int) -> str:
    """The queued form of `sync_post`: publishing never waits for it."""
    return sync_post(post_id)
