"""Who asked to be mailed about new comments: replies to their comment, or a whole post.

A subscription belongs to an email address and mails nothing until the
address's owner confirms it (`confirmed_at`); unsubscribing deletes it. A
`Notice` records each mail sent, so a comment approved twice mails no one twice.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.privacy import erased_address


class SubscriptionQuerySet(models.QuerySet):
    def for_email(self, email: str) -> SubscriptionQuerySet:
        return self.filter(email__iexact=email.strip())

    def confirmed(self) -> SubscriptionQuerySet:
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed(self) -> SubscriptionQuerySet:
        return self.filter(confirmed_at__isnull=True)

    def concerning(self, comment) -> SubscriptionQuerySet:
        """Confirmed subscriptions a newly published `comment` is news for."""
        wanted = Q(kind=Subscription.Kind.POST, post_id=comment.post_id)
        answered = comment.replying_to_id or comment.parent_id
        if answered is not None:
            wanted |= Q(kind=Subscription.Kind.REPLIES, comment_id=answered)
        return self.confirmed().filter(wanted)

    def asked_recently(self) -> SubscriptionQuerySet:
        """Unconfirmed ones whose confirmation link, mailed at `confirmation_sent_at`, works."""
        since = timezone.now() - timedelta(seconds=settings.KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE)
        return self.unconfirmed().filter(confirmation_sent_at__gte=since)

    def stale(self) -> SubscriptionQuerySet:
        """Never confirmed within a confirmation link's lifetime, or anonymised."""
        before = timezone.now() - timedelta(seconds=settings.KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE)
        # The domain of `moderation.privacy.erased_address()`'s placeholders.
        erased = "@" + erased_address(0).partition("@")[2]
        return self.filter(
            Q(confirmed_at__isnull=True, created_at__lt=before) | Q(email__iendswith=erased)
        )


class Subscription(models.Model):
    class Kind(models.TextChoices):
        REPLIES = "replies", _("replies to a comment")
        POST = "post", _("new comments on a post")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    email = models.EmailField(_("email"), max_length=254)
    post = models.ForeignKey(
        "blog.Post", verbose_name=_("post"), on_delete=models.CASCADE, related_name="+"
    )
    # For replies: the subscriber's own comment.
    comment = models.ForeignKey(
        "comments.Comment",
        verbose_name=_("comment"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation mailed at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="replies", comment__isnull=False)
                | Q(kind="post", comment__isnull=True),
                name="subscription_kind_matches_target",
            ),
            models.UniqueConstraint(
                Lower("email"),
                "comment",
                condition=Q(kind="replies"),
                name="subscription_unique_replies",
            ),
            models.UniqueConstraint(
                Lower("email"), "post", condition=Q(kind="post"), name="subscription_unique_post"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_kind_display()} ({self.post})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Notice(models.Model):
    """One mail sent to a subscriber about one comment."""

    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    comment = models.ForeignKey(
        "comments.Comment", verbose_name=_("comment"), on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("notice sent")
        verbose_name_plural = _("notices sent")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "comment"], name="notice_once_per_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription.email}: {self.comment_id}"
