"""Moderation shared by every kind of reader-submitted item (comments, trackbacks).

An app that accepts items readers send to a post builds on four pieces:

* `Status`: pending, approved, rejected, spam. Every new item starts as
  whatever the spam checks decide (`comments.spam.check_submission`), which is
  pending unless a rule says otherwise.
* `ModeratedItem`: an abstract model with the moderation fields (`status`,
  `status_reason`, `ip_address`, `created_at`, `moderated_at`,
  `moderated_by`) and the `ModeratedQuerySet` manager. The concrete model
  declares its own `post = models.ForeignKey("blog.Post", ...)`.
* `ModeratedQuerySet.public()`: the one rule for what readers see (approved,
  on a published post); `in_moderation()`: what waits for the author.
* `moderate(item, status=..., by=..., reason=...)`: the one way to change an
  item's status. It records who did it, when and why, and runs the hook the
  app registered. The admin actions, the one-click email links and the apps'
  own services all call it. "Not spam" is `status=Status.PENDING`.

A concrete model may override `moderation_summary` (plain text shown on the
one-click moderation page; `str(item)` by default). Its admin uses
`comments.moderation_admin.ModerationAdminMixin`; after storing a new item
the app calls `comments.notify.notify_author(item)`.

An app registers its model once, in `AppConfig.ready()`::

    from comments import moderation
    moderation.register(
        Trackback,
        email_template="trackbacks/email/new_trackback.txt",
        on_status_change=trackback_status_changed,  # optional
    )

Registration makes the model's pending items count on the admin index and
lets `comments.notify` build and honour signed approve / spam links for it.
It also keeps cached pages fresh (`pagecache.pages.invalidate_pages()`) and
raises the post's discussion revision (`Post.objects.raise_discussion_revision()`):
`moderate()` does both when an item is approved or withdrawn, and so does
saving or deleting an approved item (approved on arrival, edited, deleted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        from blog.models import Post

        return self.approved().filter(post__in=Post.objects.published())

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


class ApprovalRefused(Exception):
    """`moderate()` was asked to approve an item that says it may not be approved as it is."""


@dataclass(frozen=True)
class Registration:
    model: type[ModeratedItem]
    email_template: str
    on_status_change: Callable[[ModeratedItem, str], None] | None = None


_registry: dict[str, Registration] = {}


def register(
    model: type[ModeratedItem],
    *,
    email_template: str,
    on_status_change: Callable[[ModeratedItem, str], None] | None = None,
) -> None:
    """Register a concrete `ModeratedItem` model.

    `email_template` renders the author's notification (plain text; context:
    `item`, `post`, `approve_url`, `spam_url`, `admin_url`, `expires`).
    `on_status_change(item, previous_status)` runs inside the transaction of
    every `moderate()` call that changes the status.
    """
    _registry[model._meta.label_lower] = Registration(model, email_template, on_status_change)
    uid = f"pagecache-{model._meta.label_lower}"
    post_save.connect(_shown_item_changed, sender=model, dispatch_uid=uid)
    post_delete.connect(_shown_item_changed, sender=model, dispatch_uid=f"{uid}-delete")


def _shown_item_changed(sender, instance: ModeratedItem, **kwargs) -> None:
    """An approved item was stored, edited or deleted: pages showing it must change."""
    if instance.status == Status.APPROVED:
        _readers_see_a_change(instance)


def _readers_see_a_change(item: ModeratedItem) -> None:
    from blog.models import Post

    Post.objects.raise_discussion_revision(item.post_id)


def registration(model_or_label: type[models.Model] | str) -> Registration | None:
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label_lower
    return _registry.get(label)


def registered() -> list[Registration]:
    return list(_registry.values())


@transaction.atomic
def moderate(item: ModeratedItem, *, status: str, by=None, reason: str = "") -> ModeratedItem:
    """Set `item`'s status, recording who (`by`, a user or None), when and why.

    Setting an item back to pending (the admin's "not spam") is a status
    change like any other. The registered `on_status_change` hook runs when
    the status actually changes. Approving an item whose
    `approval_refused_because()` says why not raises `ApprovalRefused`.
    """
    status = Status(status)
    previous = item.status
    if status == Status.APPROVED and previous != status:
        refusal = item.approval_refused_because()
        if refusal:
            raise ApprovalRefused(refusal)
    item.status = status
    item.moderated_at = timezone.now()
    item.moderated_by = by if by is not None and by.is_authenticated else None
    who = by.get_username() if item.moderated_by else _("the author")
    item.status_reason = (
        reason or _("%(status)s by %(who)s") % {"status": status.label, "who": who}
    )[:255]
    item.save(update_fields=["status", "status_reason", "moderated_at", "moderated_by"])
    if previous != status and Status.APPROVED in {previous, status}:
        _readers_see_a_change(item)
    entry = registration(type(item))
    if entry and entry.on_status_change and previous != status:
        entry.on_status_change(item, previous)
    return item
