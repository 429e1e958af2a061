"""Moderation's background work, through the django-tasks queue (arguments are JSON)."""

from django_tasks import task

from moderation import mails
from moderation.models import Status
from moderation.registry import registration


@task()
def send_moderation_email(label: str, pk: int, attempt: int = 1) -> bool:
    """Email the post's author about a new item, with approve / spam links."""
    entry = registration(label)
    if entry is None:
        return False
    item = entry.model.objects.select_related("post__author").filter(pk=pk).first()
    if item is None or item.status == Status.SPAM:
        return False
    to = mails.recipient(item)
    if not to:
        return False
    return mails.send_with_retry(
        send_moderation_email,
        (label, pk),
        attempt=attempt,
        message=mails.moderation_email(entry, item),
        to=[to],
    )
