"""Subscriptions' part in the privacy tools (`moderation.privacy`).

Anonymising a subscription cannot keep anything useful (it is nothing but
an address and what to mail it about), and the privacy tools save what they
anonymise, so the address is replaced by the `.invalid` placeholder and the
subscription unconfirmed: it never mails again, and `purge_subscriptions`
deletes it on its next run. Deleting removes it, and its notices, at once.
"""

from moderation.privacy import PersonalData, erased_address
from subscriptions.models import Notice, Subscription


def subscriptions_source() -> PersonalData:
    return PersonalData(
        model=Subscription,
        key="subscriptions",
        email_field="email",
        exported=["kind", "email", "post", "comment_id", "created_at", "confirmed_at"],
        anonymised={
            "email": lambda item: erased_address(item.pk),
            "confirmation_sent_at": None,
            "confirmed_at": None,
        },
    )


def notices_source() -> PersonalData:
    """The mails sent to an address; they go with their subscription."""
    return PersonalData(
        model=Notice,
        key="subscription_notices",
        email_field="subscription__email",
        exported=["comment_id", "sent_at"],
    )
