"""The kinds of item moderation knows: each app registers its moderated model once.

An app registers its model in `AppConfig.ready()`::

    from moderation import registry
    registry.register(Trackback, email_template="trackbacks/email/new_trackback.txt")

Registration makes the model's pending items count on the admin index, lets
the moderation email's signed links (`moderation.links`) name its items,
lets the privacy tools erase their old IP addresses, and keeps the pages
that show them fresh: saving or deleting an approved item (approved on
arrival, edited, deleted) raises its post's discussion revision, as
`moderate()` does when an item is approved or withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models.signals import post_delete, post_save

from blog.models import Post
from moderation.models import ModeratedItem, Status


@dataclass(frozen=True)
class Registration:
    model: type[ModeratedItem]
    # Renders the author's notification (plain text, subject on the first line; context:
    # `item`, `post`, `post_url`, `approve_url`, `spam_url`, `admin_url`, `expires`).
    email_template: str
    # Whether the items show among a post's pings (its `pings_revision`), not its comments.
    pings: bool = False


_registry: dict[str, Registration] = {}


def register(model: type[ModeratedItem], *, email_template: str, pings: bool = False) -> None:
    """Register a concrete `ModeratedItem` model (see the module doc).

    `pings`: its items show among the post's pings, whose markup is kept
    under a revision of its own (`Post.objects.raise_discussion_revision`).
    """
    _registry[model._meta.label_lower] = Registration(model, email_template, pings)
    uid = f"moderation-{model._meta.label_lower}"
    post_save.connect(_shown_item_changed, sender=model, dispatch_uid=uid)
    post_delete.connect(_shown_item_changed, sender=model, dispatch_uid=f"{uid}-delete")


def _shown_item_changed(sender, instance: ModeratedItem, **kwargs) -> None:
    """An approved item was stored, edited or deleted: pages showing it must change."""
    if instance.status == Status.APPROVED:
        readers_see_a_change(instance)


def readers_see_a_change(item: ModeratedItem) -> None:
    """Raise the revision of what `item` shows in on its post, in the current transaction."""
    entry = registration(type(item))
    Post.objects.raise_discussion_revision(item.post_id, pings=entry is not None and entry.pings)


def registration(model_or_label: type[models.Model] | str) -> Registration | None:
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label_lower
    return _registry.get(label)


def registered() -> list[Registration]:
    return list(_registry.values())
