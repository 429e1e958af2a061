"""What every reader-submitted item shares: its moderation states, fields and QuerySet.

* `Status`: pending, approved, rejected, spam. Every new item starts as
  whatever the spam checks decide (`moderation.spam.check_submission`), which
  is pending unless a rule says otherwise.
* `ModeratedItem`: an abstract model with the moderation fields (`status`,
  `status_reason`, `ip_address`, `created_at`, `moderated_at`,
  `moderated_by`) and the `ModeratedQuerySet` manager. The concrete model
  (a comment, a ping) declares its own `post = models.ForeignKey("blog.Post", ...)`.
* `ModeratedQuerySet.public()`: the one rule for what readers see (approved,
  on a published post); `in_moderation()`: what waits for the author.

A concrete model may override `moderation_summary` (plain text shown on the
one-click moderation page; `str(item)` by default) and
`approval_refused_because()`. Its app registers it (`moderation.registry`),
changes its status only through `moderation.services.moderate()`, and its
admin uses `moderation.admin.ModerationAdminMixin`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blog.models import Post


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SPAM = "spam", _("Spam")


class ModeratedQuerySet(models.QuerySet):
    def approved(self) -> ModeratedQuerySet:
        """Items the author approved, on any post (drafts included)."""
        return self.filter(status=Status.APPROVED)

    def public(self) -> ModeratedQuerySet:
        """Items readers may see: approved, on a post readers may see."""
        return self.approved().filter(post__in=Post.objects.published())

    def public_on(self, post: Post) -> ModeratedQuerySet:
        """`public()` for one post whose rule is asked here, once, not in SQL.

        `public()` makes the database list every published post (SQLite does,
        for each use of the queryset); a page about one post knows whether
        readers may see it.
        """
        if not post.is_published():
            return self.none()
        return self.approved().filter(post=post)

    def in_moderation(self) -> ModeratedQuerySet:
        """Items waiting for the author's decision."""
        return self.filter(status=Status.PENDING)


class ModeratedItem(models.Model):
    """Fields and manager every moderated item shares; subclasses add `post`."""

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    status_reason = models.CharField(
        _("reason"),
        max_length=255,
        blank=True,
        help_text=_("Why the item was held, approved or marked as spam, and by what."),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ModeratedQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_public(self) -> bool:
        """Return True if readers may see the item (the rule of `public()` for one item)."""
        return self.status == Status.APPROVED and self.post.is_published()

    def get_admin_url(self) -> str:
        meta = self._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[self.pk])

    @property
    def moderation_summary(self) -> str:
        """Plain text that identifies the item on the one-click moderation page."""
        return str(self)

    def approval_refused_because(self) -> str:
        """Why the item may not be approved as it is (unreadable text, say); "" if it may."""
        return ""
