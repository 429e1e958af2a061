"""What happens when a comment arrives or is moderated; the author's own replies."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blog.models import Post
from comments.models import Comment, fingerprint
from comments.signals import comment_published
from comments.tasks import send_approval_notice
from moderation import spam
from moderation.models import ModeratedItem, Status
from moderation.notify import notify_author
from moderation.services import moderate


class ReplyRefused(Exception):
    """The comment a reply answers is not an approved comment on the same post (any more)."""


@transaction.atomic
def _insert(comment: Comment, parent_id: int | None = None) -> Comment:
    if parent_id is not None:
        comment.attach_to(parent_for_reply(comment.post_id, parent_id))
    comment.save()
    return comment


def parent_for_reply(post_id: int, parent_id: int) -> Comment:
    """The comment being answered, locked until the reply is stored so it stays approved.

    Call it inside the transaction that stores the reply; `ReplyRefused` unless the
    comment is approved and on `post_id`.
    """
    parent = (
        Comment.objects.select_for_update()
        .filter(pk=parent_id, post_id=post_id, status=Status.APPROVED)
        .first()
    )
    if parent is None:
        raise ReplyRefused(parent_id)
    return parent


@transaction.atomic
def reply_as_author(*, post: Post, user, text: str, parent_id: int | None = None) -> Comment:
    """Publish the author's own comment or reply at once, labelled as theirs.

    No spam check and no flood limit: the caller has checked that `user` may
    add comments. Name and address are the user's and the blog's.
    """
    name = user.get_full_name() or user.get_username()
    comment = Comment(
        post=post,
        author_name=name[:100],
        author_email=user.email or settings.KIJI_MODERATION_EMAIL or "",
        author_url=settings.KIJI_SITE_URL,
        text=text,
        user=user,
        written_by_author=True,
        status=Status.APPROVED,
        status_reason=_("Written by the author"),
        moderated_at=timezone.now(),
        moderated_by=user,
    )
    # Two identical replies are two replies; the fingerprint still has to be unique.
    comment.fingerprint = fingerprint(
        post_id=post.pk, email=f"author:{user.pk}:{timezone.now().isoformat()}", text=text
    )
    _insert(comment, parent_id)
    comment_published.send(sender=Comment, comment=comment)
    return comment


@transaction.atomic
def approve_and_reply(*, comment: Comment, user, text: str) -> Comment:
    """The desk's quick reply: approve `comment` if it waits, then answer it as the author."""
    if comment.status != Status.APPROVED:
        moderate(comment, status=Status.APPROVED, by=user)
    return reply_as_author(post=comment.post, user=user, text=text, parent_id=comment.pk)


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
    parent_id: int | None = None,
) -> tuple[Comment, bool]:
    """Store a comment with the spam checks' verdict; return `(comment, created)`.

    The same text from the same email on the same post is stored once: the
    database's unique fingerprint decides, so two simultaneous submissions
    cannot both be stored. A repeat returns the stored comment with
    `created=False`. A new comment that is not spam is announced to the author.
    A reply (`parent_id`) answers an approved comment on the same post, checked
    under a lock on it in the insert's transaction: `ReplyRefused` otherwise.
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
        _insert(comment, parent_id)
    except IntegrityError:
        # Another request stored the same submission between our check and insert.
        return Comment.objects.get(fingerprint=key), False
    notify_author(comment)
    if comment.status == Status.APPROVED:
        comment_status_changed(comment, Status.PENDING)
    return comment, True


def comment_status_changed(comment: ModeratedItem, previous: str) -> None:
    """On approval, tell other apps, and send the one email a commenter may have asked for."""
    if comment.status != Status.APPROVED:
        return
    comment_published.send(sender=Comment, comment=comment)
    if not comment.notify_on_approval:
        return
    claimed = Comment.objects.filter(pk=comment.pk, approval_notified_at__isnull=True).update(
        approval_notified_at=timezone.now()
    )
    if claimed:
        transaction.on_commit(lambda: send_approval_notice.enqueue(comment.pk))
