"""Mail sent through the django-tasks queue (arguments are JSON: labels and ids).

A message that cannot be sent (the mail server refuses or is unreachable) is
logged and queued again with a growing delay (`KIJI_TASK_RETRY_SECONDS`,
doubled each time) up to `KIJI_TASK_MAX_ATTEMPTS` attempts; the last failure
raises, so the task stays in the queue's table as failed, with its arguments
and traceback, instead of being lost.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from comments import moderation

logger = logging.getLogger("kiji.tasks")


def _send(task_, args: tuple, *, attempt: int, subject: str, body: str, to: list[str]) -> bool:
    """Send one message; on failure log it and queue `task_` again, or raise at the last try."""
    try:
        send_mail(subject, body, None, to)
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


@task()
def send_moderation_email(label: str, pk: int, attempt: int = 1) -> bool:
    """Email the post's author about a new item, with approve / spam links."""
    from comments import notify

    entry = moderation.registration(label)
    if entry is None:
        return False
    item = entry.model.objects.select_related("post__author").filter(pk=pk).first()
    if item is None or item.status == moderation.Status.SPAM:
        return False
    to = notify.recipient(item)
    if not to:
        return False
    site = settings.KIJI_SITE_URL.rstrip("/")
    context = {
        "item": item,
        "post": item.post,
        "post_url": site + item.post.get_absolute_url(),
        "approve_url": notify.action_url(item, "approve"),
        "spam_url": notify.action_url(item, "spam"),
        "admin_url": site + item.get_admin_url(),
        "expires": timezone.now() + timedelta(seconds=settings.KIJI_MODERATION_LINK_MAX_AGE),
        "site_title": settings.KIJI_SITE_TITLE,
    }
    body = render_to_string(entry.email_template, context)
    subject, _, body = body.partition("\n")
    return _send(
        send_moderation_email,
        (label, pk),
        attempt=attempt,
        subject=subject.strip(),
        body=body.lstrip("\n"),
        to=[to],
    )


@task()
def send_approval_notice(pk: int, attempt: int = 1) -> bool:
    """Tell a commenter who asked for it that their comment is approved."""
    from comments.models import Comment

    comment = Comment.objects.select_related("post").filter(pk=pk).first()
    if comment is None or not comment.is_public():
        return False
    site = settings.KIJI_SITE_URL.rstrip("/")
    body = render_to_string(
        "comments/email/approved.txt",
        {
            "comment": comment,
            "post": comment.post,
            "comment_url": site + comment.get_absolute_url(),
            "site_title": settings.KIJI_SITE_TITLE,
        },
    )
    subject, _, body = body.partition("\n")
    return _send(
        send_approval_notice,
        (pk,),
        attempt=attempt,
        subject=subject.strip(),
        body=body.lstrip("\n"),
        to=[comment.author_email],
    )
