"""The signals moderation sends: the contract between it and the apps whose items it moderates.

`item_status_changed` is sent by `moderation.services.moderate()` inside its
transaction, each time an item's status actually changes. Arguments:

* `sender`: the item's model (connect with `sender=Comment` to hear one kind);
* `item`: the item, already saved with its new status;
* `previous`: the status it had before (a `Status` value).

Receivers run in the same transaction, so what they store is kept or undone
with the decision; anything that leaves the server (mail, pings) belongs in
`transaction.on_commit`. Apps connect their receivers in their own
`signal_handlers.py`, from `AppConfig.ready()`.
"""

from django.dispatch import Signal

item_status_changed = Signal()
