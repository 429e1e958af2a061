"""The text of subscription mail: the confirmation request and the notice of a comment."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from comments.models import Comment
from subscriptions import links
from subscriptions.models import Subscription


def confirmation_email(subscription: Subscription, waiting: list[Subscription]) -> str:
    """Ask the subscription's address to confirm all that waits (subject on the first line)."""
    return render_to_string(
        "subscriptions/email/confirm.txt",
        {
            "subscriptions": waiting,
            "confirm_url": links.confirm_url(subscription),
            "expires": timezone.now()
            + timedelta(seconds=settings.KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE),
            "site_title": settings.KIJI_SITE_TITLE,
        },
    )


def notice_email(subscription: Subscription, comment: Comment, unsubscribe_url: str) -> str:
    """Tell a subscriber of a published comment (subject on the first line)."""
    template = (
        "subscriptions/email/reply.txt"
        if subscription.kind == Subscription.Kind.REPLIES
        else "subscriptions/email/new_comment.txt"
    )
    return render_to_string(
        template,
        {
            "comment": comment,
            "post": comment.post,
            "comment_url": settings.KIJI_SITE_URL.rstrip("/") + comment.get_absolute_url(),
            "unsubscribe_url": unsubscribe_url,
            "site_title": settings.KIJI_SITE_TITLE,
        },
    )


def list_headers(unsubscribe_url: str) -> dict[str, str]:
    """One-click unsubscribing for mail clients (RFC 2369, RFC 8058)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
