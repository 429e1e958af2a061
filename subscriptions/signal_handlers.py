"""What subscriptions do when comments' signals arrive; connected in `SubscriptionsConfig.ready()`.

Mail is queued once the current transaction commits, so nothing goes out
for a comment whose storing or approval is rolled back.
"""

from django.conf import settings
from django.db import transaction

from comments.models import Comment
from comments.signals import comment_published, comment_submitted
from moderation.models import Status
from subscriptions import services, tasks


def comment_sent(
    sender, comment: Comment, wants_replies: bool = False, wants_post: bool = False, **kwargs
) -> None:
    if not settings.KIJI_COMMENTS_SUBSCRIPTIONS or comment.status == Status.SPAM:
        return
    ask = services.subscription_request(comment=comment, replies=wants_replies, post=wants_post)
    if ask is not None:
        pk = ask.pk
        transaction.on_commit(lambda: tasks.send_confirmation.enqueue(pk))


def comment_shown(sender, comment: Comment, **kwargs) -> None:
    if not settings.KIJI_COMMENTS_SUBSCRIPTIONS:
        return
    pk = comment.pk
    transaction.on_commit(lambda: tasks.tell_subscribers.enqueue(pk))


def connect() -> None:
    comment_submitted.connect(
        comment_sent, sender=Comment, dispatch_uid="subscriptions.comment_sent"
    )
    comment_published.connect(
        comment_shown, sender=Comment, dispatch_uid="subscriptions.comment_shown"
    )
