"""What happens to subscriptions: asked for, confirmed, ended, and who hears of a comment.

Plain database work; `signal_handlers` queues the mail (`tasks`) these decide on.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.models import Comment
from subscriptions.models import Notice, Subscription


def subscription_request(*, comment: Comment, replies: bool, post: bool) -> Subscription | None:
    """Store what a commenter ticked, unconfirmed; return one to ask about, or None.

    The address is asked (one confirmation mail) unless all it asked for is
    confirmed already, or a confirmation link mailed to it still works: then
    the new subscriptions wait on that link's page. So a stranger's address
    typed into the form gets at most one mail per link lifetime.
    """
    email = comment.author_email.strip()
    if not email or not (replies or post):
        return None
    wanted = []
    # The post's first: the link names the first, and outlives the comment if that is deleted.
    if post:
        wanted.append({"kind": Subscription.Kind.POST, "post": comment.post, "comment": None})
    if replies:
        wanted.append({"kind": Subscription.Kind.REPLIES, "post": comment.post, "comment": comment})
    waiting = [s for target in wanted if not (s := _store(email, target)).is_confirmed]
    if not waiting or Subscription.objects.for_email(email).asked_recently().exists():
        return None
    Subscription.objects.filter(pk__in=[s.pk for s in waiting]).update(
        confirmation_sent_at=timezone.now()
    )
    return waiting[0]


def _store(email: str, target: dict) -> Subscription:
    existing = Subscription.objects.for_email(email).filter(**target).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Subscription.objects.create(email=email, **target)
        except IntegrityError:
            # The same request, sent twice at once.
            existing = Subscription.objects.for_email(email).get(**target)
    if not existing.is_confirmed:
        # Asked again: it waits from now, and is not purged under a fresh link.
        existing.created_at = timezone.now()
        existing.save(update_fields=["created_at"])
    return existing


def waiting_for(email: str):
    """The address's subscriptions that wait for confirmation, for its page."""
    return (
        Subscription.objects.for_email(email)
        .unconfirmed()
        .select_related("post", "comment")
        .order_by("created_at", "id")
    )


def confirm(*, email: str, ids: list[int]) -> int:
    """Confirm those of `ids` that belong to `email` and still wait; return how many."""
    return waiting_for(email).filter(pk__in=ids).update(confirmed_at=timezone.now())


def unsubscribe(subscription: Subscription) -> None:
    Subscription.objects.filter(pk=subscription.pk).delete()


def subscribers_to_tell(comment: Comment) -> list[Subscription]:
    """Whom to mail about a published `comment`: one subscription per address.

    Never its writer (the comment's address, or the signed-in author's), and
    no address already mailed about it. A reply's subscriber who also follows
    the post hears of it once, as a reply.
    """
    own = {comment.author_email.strip().lower()}
    if comment.user_id and comment.user.email:
        own.add(comment.user.email.strip().lower())
    told = {
        e.strip().lower()
        for e in Notice.objects.filter(comment=comment).values_list(
            "subscription__email", flat=True
        )
    }
    chosen: dict[str, Subscription] = {}
    candidates = Subscription.objects.concerning(comment).order_by("created_at", "id")
    for subscription in sorted(candidates, key=lambda s: s.kind != Subscription.Kind.REPLIES):
        address = subscription.email.strip().lower()
        if address not in own and address not in told and address not in chosen:
            chosen[address] = subscription
    return list(chosen.values())


def claim_notice(subscription: Subscription, comment: Comment) -> bool:
    """Record that `subscription` is mailed about `comment`; False if it already was."""
    try:
        with transaction.atomic():
            Notice.objects.create(subscription=subscription, comment=comment)
    except IntegrityError:
        return False
    return True


def purge(*, dry_run: bool = False) -> int:
    """Delete subscriptions never confirmed in time, and anonymised ones; return how many."""
    stale = Subscription.objects.stale()
    if dry_run:
        return stale.count()
    return stale.delete()[1].get(Subscription._meta.label, 0)
