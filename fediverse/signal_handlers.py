"""How posts reach followers. Connected in `FediverseConfig.ready()`: blog never imports this app.

A saved post is looked at after the transaction commits (the admin saves tags
after the post), by a task: publishing never waits on the network. A
scheduled post's task is queued for its publish time when the queue can defer
work; otherwise `manage.py send_fediverse_due` (cron) picks it up. Posts
unpublished in bulk (`PostQuerySet.unpublish()`, which sends no model
signals) are found through `blog.signals.content_changed`. A deleted post is
withdrawn in its own transaction. The author's answers to fediverse replies
have their own receivers (fediverse/answers.py), connected from here too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save, pre_delete
from django_tasks import default_task_backend

from blog.models import Post
from blog.signals import content_changed
from fediverse import answers, publishing
from fediverse.models import SentArticle
from fediverse.publishing import publish_post


def post_saved(sender, instance: Post, raw: bool = False, **kwargs) -> None:
    if raw or not settings.KIJI_FEDIVERSE_ENABLED:
        return
    post_id = instance.pk
    if instance.is_scheduled():
        if default_task_backend.supports_defer:
            run_after = instance.published_at
            transaction.on_commit(lambda: publish_post.using(run_after=run_after).enqueue(post_id))
        if not SentArticle.objects.filter(post_id=post_id, deleted_at__isnull=True).exists():
            return
    elif (
        not instance.is_published()
        and not SentArticle.objects.filter(post_id=post_id, deleted_at__isnull=True).exists()
    ):
        # A draft followers never saw: nothing to tell, nothing queued.
        return
    transaction.on_commit(lambda: publish_post.enqueue(post_id))


def post_deleted(sender, instance: Post, **kwargs) -> None:
    if not settings.KIJI_FEDIVERSE_ENABLED:
        return
    for record in SentArticle.objects.filter(post_id=instance.pk, deleted_at__isnull=True):
        publishing.withdraw(record)


def posts_changed(sender, post_ids=(), **kwargs) -> None:
    """Posts unpublished with `update()` are withdrawn (other changes come through post_save)."""
    if not post_ids or not settings.KIJI_FEDIVERSE_ENABLED:
        return
    gone = list(
        SentArticle.objects.filter(post_id__in=post_ids, deleted_at__isnull=True)
        .exclude(post__in=Post.objects.published())
        .values_list("post_id", flat=True)
    )
    for post_id in gone:
        transaction.on_commit(lambda post_id=post_id: publish_post.enqueue(post_id))


def connect() -> None:
    post_save.connect(post_saved, sender=Post, dispatch_uid="fediverse_post_saved")
    pre_delete.connect(post_deleted, sender=Post, dispatch_uid="fediverse_post_deleted")
    content_changed.connect(posts_changed, dispatch_uid="fediverse_posts_changed")
    answers.connect()
