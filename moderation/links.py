"""The signed one-click links in the moderation email, for any registered moderated model.

* `action_token(item, action)` / `read_token(token)`: the signed link
  payload. A link names the model, the item and the action, expires after
  `KIJI_MODERATION_LINK_MAX_AGE` seconds, and works once: it also signs the
  item's moderation state, which any moderation (by link or in the admin)
  changes.

The link view (`moderation.views.moderate_by_link`, at `/moderation/<token>/`)
shows the item and one button; the POST it sends calls `use_link()`, which
locks the item, checks the link is still unused and calls
`moderation.services.moderate()`. A GET never changes anything, because mail
scanners follow links.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.urls import reverse

from moderation.models import ModeratedItem, Status
from moderation.registry import registration
from moderation.services import moderate

SALT = "kiji.moderation.link"
ACTIONS = {"approve": Status.APPROVED, "spam": Status.SPAM}


class InvalidLink(Exception):
    """The link is tampered with, expired, already used, or its item is gone."""


def _state(item: ModeratedItem) -> str:
    stamp = item.moderated_at.isoformat() if item.moderated_at else ""
    return hashlib.sha256(f"{item.status}|{stamp}".encode()).hexdigest()[:16]


def action_token(item: ModeratedItem, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(action)
    payload = {"m": item._meta.label_lower, "pk": item.pk, "a": action, "s": _state(item)}
    return signing.dumps(payload, salt=SALT, compress=True)


def action_url(item: ModeratedItem, action: str) -> str:
    path = reverse("moderation:link", kwargs={"token": action_token(item, action)})
    return settings.KIJI_SITE_URL.rstrip("/") + path


@dataclass(frozen=True)
class LinkAction:
    item: ModeratedItem
    action: str
    state: str

    @property
    def status(self) -> str:
        return ACTIONS[self.action]


def read_token(token: str) -> LinkAction:
    """The item and action a link names; `InvalidLink` unless it is valid right now."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.KIJI_MODERATION_LINK_MAX_AGE)
        entry = registration(payload["m"])
        action = payload["a"]
        if entry is None or action not in ACTIONS:
            raise InvalidLink
        item = entry.model.objects.select_related("post").get(pk=payload["pk"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, ObjectDoesNotExist):
        raise InvalidLink from None
    if payload.get("s") != _state(item):
        raise InvalidLink
    return LinkAction(item, action, payload["s"])


@transaction.atomic
def use_link(link: LinkAction, *, by, reason: str) -> ModeratedItem:
    """Carry out the link's action once: two clicks at the same moment cannot both win.

    The item is locked and its state checked again; `InvalidLink` if anything
    moderated it since the link was read.
    """
    model = type(link.item)
    item = model.objects.select_for_update().filter(pk=link.item.pk).first()
    if item is None or _state(item) != link.state:
        raise InvalidLink
    return moderate(item, status=link.status, by=by, reason=reason)
