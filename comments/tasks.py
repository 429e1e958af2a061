"""Mail about comments, through the django-tasks queue (arguments are JSON: ids).

Sending, and trying again when the mail server fails, is
`moderation.mails.send_with_retry`'s.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django_tasks import task

from comments.models import Comment
from moderation.mails import send_with_retry


@task()
def send_approval_notice(pk: int, attempt: int = 1) -> bool:
    """Tell a commenter who asked for it that their comment is approved."""
    comment = Comment.objects.select_related("post").filter(pk=pk).first()
    if comment is None or not comment.is_public():
        return False
    site = settings.KIJI_SITE_URL.rstrip("/")
    message = render_to_string(
        "comments/email/approved.txt",
        {
            "comment": comment,
            "post": comment.post,
            "comment_url": site + comment.get_absolute_url(),
            "site_title": settings.KIJI_SITE_TITLE,
        },
    )
    return send_with_retry(
        send_approval_notice, (pk,), attempt=attempt, message=message, to=[comment.author_email]
    )
