"""The signed links in subscription mail: confirm an address, unsubscribe.

* Confirmation (`confirm_url(subscription)`): works for
  `KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE` seconds and confirms the subscriptions
  of that subscription's address that still wait, as its page lists them. A
  subscription that was confirmed, or unsubscribed (deleted), cannot be
  confirmed again by it.
* Unsubscribing (`unsubscribe_url(subscription)`): names one subscription
  and never expires; a mail from years ago still stops the mail.

A link carries a digest of the address, never the address (links end up in
server logs), and stops working if the subscription's address changes
(anonymised). Neither changes anything on GET (mail scanners follow links);
the views act on POST.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing
from django.urls import reverse

from subscriptions.models import Subscription

CONFIRM_SALT = "kiji.subscriptions.confirm"
UNSUBSCRIBE_SALT = "kiji.subscriptions.unsubscribe"


class InvalidLink(Exception):
    """The link was not signed here (tampered with, or cut short)."""


class ExpiredLink(InvalidLink):
    """A confirmation link older than `KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE`."""


def _digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def _token(subscription: Subscription, salt: str) -> str:
    return signing.dumps({"s": subscription.pk, "h": _digest(subscription.email)}, salt=salt)


def _url(name: str, token: str) -> str:
    path = reverse(f"subscriptions:{name}", kwargs={"token": token})
    return settings.KIJI_SITE_URL.rstrip("/") + path


def _read(token: str, salt: str, max_age: int | None = None) -> Subscription | None:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
        pk, digest = int(payload["s"]), str(payload["h"])
    except signing.SignatureExpired:
        raise ExpiredLink from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidLink from None
    subscription = Subscription.objects.select_related("post", "comment").filter(pk=pk).first()
    if subscription is None or _digest(subscription.email) != digest:
        return None
    return subscription


def confirm_url(subscription: Subscription) -> str:
    return _url("confirm", _token(subscription, CONFIRM_SALT))


def read_confirm_token(token: str) -> str | None:
    """The address a confirmation link is for, None if its subscription is gone.

    `ExpiredLink` or `InvalidLink` unless the link is valid right now.
    """
    subscription = _read(token, CONFIRM_SALT, settings.KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE)
    return subscription.email if subscription else None


def unsubscribe_url(subscription: Subscription) -> str:
    return _url("unsubscribe", _token(subscription, UNSUBSCRIBE_SALT))


def read_unsubscribe_token(token: str) -> Subscription | None:
    """The subscription a link names, None if it is gone; `InvalidLink` if not signed here."""
    return _read(token, UNSUBSCRIBE_SALT)
