"""Background work of the linkback apps, on the django-tasks queue."""

from __future__ import annotations

from django_tasks import default_task_backend, task

from blog.models import Post
from trackbacks import sending, verification
from trackbacks.models import Trackback


@task()
def send_post_pings(post_id: int) -> int:
    """Send the due pings of a published post; return how many were tried.

    Scheduled posts and drafts are skipped (the `send_pings` command, run
    from cron, picks scheduled posts up once they are published). When a
    retry is left and the queue can defer work, the task queues itself again
    for the retry time.
    """
    post = Post.objects.published().filter(pk=post_id).first()
    if post is None:
        return 0
    tried = sending.post_pings_send(post=post)
    retry_at = sending.next_retry_at(post=post)
    if retry_at is not None and default_task_backend.supports_defer:
        send_post_pings.using(run_after=retry_at).enqueue(post_id)
    return len(tried)


@task()
def verify_linkback(pk: int) -> str:
    """Check that a received ping's source page links to the post (see `verification`)."""
    item = Trackback.objects.select_related("post").filter(pk=pk).first()
    if item is None:
        return "gone"
    return verification.verify_linkback(item=item)
