"""What happens when a comment arrives or is moderated."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from blog.models import Post
from comments.models import Comment, fingerprint
from comments.tasks import send_approval_notice
from moderation import spam
from moderation.models import ModeratedItem, Status
from moderation.notify import notify_author


@transaction.atomic
def _insert(comment: Comment) -> Comment:
    comment.save()
    return comment


def submit_comment(
    *,
    post: Post,
    name: str,
    email: str,
    url: str,
    text: str,
    ip: str | None,
    notify_on_approval: bool = False,
    form_age: float | None = None,
    honeypot: str = "",
) -> tuple[Comment, bool]:
    """Store a comment with the spam checks' verdict; return `(comment, created)`.

    The same text from the same email on the same post is stored once: the
    database's unique fingerprint decides, so two simultaneous submissions
    cannot both be stored. A repeat returns the stored comment with
    `created=False`. A new comment that is not spam is announced to the author.
    """
    key = fingerprint(post_id=post.pk, email=email, text=text)
    existing = Comment.objects.filter(fingerprint=key).first()
    if existing is not None:
        return existing, False
    verdict = spam.check_submission(
        spam.Submission(
            kind=spam.Kind.COMMENT,
            post=post,
            author_name=name,
            author_email=email,
            author_url=url,
            text=text,
            ip=ip,
            form_age=form_age,
            honeypot=honeypot,
        )
    )
    comment = Comment(
        post=post,
        author_name=name,
        author_email=email,
        author_url=url,
        text=text,
        ip_address=ip,
        fingerprint=key,
        notify_on_approval=notify_on_approval,
        status=verdict.status,
        status_reason=verdict.reason[:255],
    )
    try:
        _insert(comment)
    except IntegrityError:
        # Another request stored the same submission between our check and insert.
        return Comment.objects.get(fingerprint=key), False
    notify_author(comment)
    if comment.status == Status.APPROVED:
        comment_status_changed(comment, Status.PENDING)
    return comment, True


def comment_status_changed(comment: ModeratedItem, previous: str) -> None:
    """On approval, send the one email a commenter may have asked for (never twice)."""
    if comment.status != Status.APPROVED or not comment.notify_on_approval:
        return
    claimed = Comment.objects.filter(pk=comment.pk, approval_notified_at__isnull=True).update(
        approval_notified_at=timezone.now()
    )
    if claimed:
        transaction.on_commit(lambda: send_approval_notice.enqueue(comment.pk))
