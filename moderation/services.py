"""The one way an item's moderation status changes: `moderate()`.

The admin's actions and change form, the one-click email links, and the
apps' own services (a ping whose source was checked, say) all call it. It
records who decided, when and why, keeps the pages that show the item fresh,
and sends `moderation.signals.item_status_changed` so the item's app can do
its part (a commenter who asked to hear of the approval, say).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.models import ModeratedItem, Status
from moderation.registry import readers_see_a_change
from moderation.signals import item_status_changed


class ApprovalRefused(Exception):
    """`moderate()` was asked to approve an item that says it may not be approved as it is."""


@transaction.atomic
def moderate(item: ModeratedItem, *, status: str, by=None, reason: str = "") -> ModeratedItem:
    """Set `item`'s status, recording who (`by`, a user or None), when and why.

    Setting an item back to pending (the admin's "not spam") is a status
    change like any other. `item_status_changed` is sent when the status
    actually changes. Approving an item whose `approval_refused_because()`
    says why not raises `ApprovalRefused`.
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
    if previous == Status.APPROVED and status != previous:
        # Withdrawn. Saving an approved item raised its post's revision already
        # (`registry`, on post_save); saving one no longer shown did not.
        readers_see_a_change(item)
    if previous != status:
        item_status_changed.send(sender=type(item), item=item, previous=previous)
    return item
