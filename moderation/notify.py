"""Telling the author that something waits for them.

`notify_author(item)`: after the current transaction commits, queue (through
django-tasks) an email to the post's author (or `KIJI_MODERATION_EMAIL`) with
the item's text, the post, and one-click links to approve it or mark it as
spam (`moderation.links`). Items the checks already marked as spam send
nothing. An app calls it after storing a new item.
"""

from django.db import transaction

from moderation.models import ModeratedItem, Status
from moderation.tasks import send_moderation_email


def notify_author(item: ModeratedItem) -> None:
    """Queue the moderation email for `item` once the current transaction commits."""
    if item.status == Status.SPAM:
        return
    label, pk = item._meta.label_lower, item.pk
    transaction.on_commit(lambda: send_moderation_email.enqueue(label, pk))
