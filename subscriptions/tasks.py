"""Subscription mail, through the django-tasks queue (arguments are ids, never addresses).

Sending, and trying again when the mail server fails, is
`moderation.mails.send_with_retry`'s.
"""

from django_tasks import task

from comments.models import Comment
from moderation.mails import send_with_retry
from subscriptions import links, mails, services
from subscriptions.models import Subscription


@task()
def send_confirmation(subscription_pk: int, attempt: int = 1) -> bool:
    """Ask the address of a new subscription to confirm everything it has waiting."""
    subscription = Subscription.objects.unconfirmed().filter(pk=subscription_pk).first()
    if subscription is None:
        return False
    waiting = list(services.waiting_for(subscription.email))
    return send_with_retry(
        send_confirmation,
        (subscription_pk,),
        attempt=attempt,
        message=mails.confirmation_email(subscription, waiting),
        to=[subscription.email],
    )


@task()
def tell_subscribers(comment_pk: int) -> int:
    """Queue one notice per subscriber of a published comment; return how many."""
    comment = Comment.objects.select_related("post", "user").filter(pk=comment_pk).first()
    if comment is None or not comment.is_public():
        return 0
    queued = 0
    for subscription in services.subscribers_to_tell(comment):
        if services.claim_notice(subscription, comment):
            send_notice.enqueue(subscription.pk, comment.pk)
            queued += 1
    return queued


@task()
def send_notice(subscription_pk: int, comment_pk: int, attempt: int = 1) -> bool:
    """Mail one subscriber about one comment, with one-click unsubscribing."""
    subscription = Subscription.objects.confirmed().filter(pk=subscription_pk).first()
    comment = Comment.objects.select_related("post").filter(pk=comment_pk).first()
    if subscription is None or comment is None or not comment.is_public():
        return False
    unsubscribe_url = links.unsubscribe_url(subscription)
    return send_with_retry(
        send_notice,
        (subscription_pk, comment_pk),
        attempt=attempt,
        message=mails.notice_email(subscription, comment, unsubscribe_url),
        to=[subscription.email],
        headers=mails.list_headers(unsubscribe_url),
    )
