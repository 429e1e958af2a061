"""Mail sent through the django-tasks queue (arguments are JSON: labels and ids)."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from comments import moderation


@task()
def send_moderation_email(label: str, pk: int) -> bool:
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
    send_mail(subject.strip(), body.lstrip("\n"), None, [to])
    return True


@task()
def send_approval_notice(pk: int) -> bool:
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
    send_mail(subject.strip(), body.lstrip("\n"), None, [comment.author_email])
    return True
