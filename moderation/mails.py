"""Mail the moderation machinery sends, with retries, for any app's tasks.

`send_with_retry()` sends one message; a message that cannot be sent (the
mail server refuses or is unreachable) is logged and its task queued again
with a growing delay (`KIJI_TASK_RETRY_SECONDS`, doubled each time) up to
`KIJI_TASK_MAX_ATTEMPTS` attempts; the last failure raises, so the task stays
in the queue's table as failed, with its arguments and traceback, instead of
being lost. `headers` adds mail headers (`List-Unsubscribe`, say).
`moderation_email(item)` writes the author's notification.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from moderation import links
from moderation.models import ModeratedItem
from moderation.registry import Registration

logger = logging.getLogger("kiji.tasks")


def send_with_retry(
    task_,
    args: tuple,
    *,
    attempt: int,
    message: str,
    to: list[str],
    headers: dict[str, str] | None = None,
) -> bool:
    """Send `message` (subject on its first line); on failure queue `task_` again, or raise."""
    subject, _, body = message.partition("\n")
    subject, body = subject.strip(), body.lstrip("\n")
    try:
        if headers is None:
            send_mail(subject, body, None, to)
        else:
            EmailMessage(subject, body, None, to, headers=headers).send()
    except (smtplib.SMTPException, OSError) as error:
        attempts = settings.KIJI_TASK_MAX_ATTEMPTS
        if attempt >= attempts:
            logger.error(
                "%s%r failed for good after %d attempts: %s", task_.name, args, attempt, error
            )
            raise
        delay = settings.KIJI_TASK_RETRY_SECONDS * 2 ** (attempt - 1)
        logger.warning(
            "%s%r failed (attempt %d of %d), trying again in %d s: %s",
            task_.name,
            args,
            attempt,
            attempts,
            delay,
            error,
        )
        retry = task_
        if task_.get_backend().supports_defer:
            retry = task_.using(run_after=timezone.now() + timedelta(seconds=delay))
        retry.enqueue(*args, attempt=attempt + 1)
        return False
    return True


def recipient(item: ModeratedItem) -> str:
    """Who decides on `item`: the post's author, or `KIJI_MODERATION_EMAIL`."""
    return item.post.author.email or settings.KIJI_MODERATION_EMAIL


def moderation_email(entry: Registration, item: ModeratedItem) -> str:
    """The author's notification of `item`: its text, the post, approve and spam links."""
    site = settings.KIJI_SITE_URL.rstrip("/")
    context = {
        "item": item,
        "post": item.post,
        "post_url": site + item.post.get_absolute_url(),
        "approve_url": links.action_url(item, "approve"),
        "spam_url": links.action_url(item, "spam"),
        "admin_url": site + item.get_admin_url(),
        "expires": timezone.now() + timedelta(seconds=settings.KIJI_MODERATION_LINK_MAX_AGE),
        "site_title": settings.KIJI_SITE_TITLE,
    }
    return render_to_string(entry.email_template, context)
