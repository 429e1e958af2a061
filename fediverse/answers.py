"""The author's answers to fediverse replies go back to the fediverse, as replies.

When the blog's author publishes a comment that answers one from the
fediverse (`Comment.replying_to`, or its parent, has a `RemoteReply`), Kiji
sends a `Create` of a `Note` `inReplyTo` that reply to the person who wrote
it (their server's shared inbox) and to the blog's followers, as Mastodon
delivers a public reply. The Note's id is the comment's permalink, which
answers ActivityPub clients with the Note (fediverse/middleware.py,
`note_response`). An edit sends `Update`; a comment withdrawn from readers
(rejected, deleted, its post unpublished) sends `Delete`, and its id answers
with a Tombstone (410).

Only the comment answered counts: the Note says what it answers, and an answer
to a reader's comment under a fediverse reply answers that reader, who is
not on the fediverse, not the person above them.

`SentNote` records what was sent, where and with which mention, so an edit or
a withdrawal fetches nothing. The inbox is found once, in the queued task:
from the `Follower` row when the person follows the blog, else from their
actor document through the one SSRF-safe fetcher (`fediverse.keys`). The
signals from comments and blog only queue `send_answer`; the sending goes
through `fediverse.delivery` (signed, retried), so nothing waits on the network.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save, pre_delete
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_tasks import default_task_backend, task

from blog.models import Post
from blog.signals import content_changed
from comments.models import Comment
from comments.signals import comment_published
from fediverse import activities, keys
from fediverse.delivery import deliver, followers_inboxes
from fediverse.models import Block, Follower, RemoteReply, SentNote
from fediverse.views import activity_response

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    """Where the person answered gets the Note, and how it names them."""

    inbox: str
    mention: str


def answered_reply(comment: Comment) -> RemoteReply | None:
    """The fediverse reply `comment` answers, if it is the author's answer to one."""
    answered = _answered_id(comment)
    if not comment.written_by_author or answered is None:
        return None
    return RemoteReply.objects.filter(comment_id=answered).first()


def _answered_id(comment: Comment) -> int | None:
    # The comment it answers, even where threads stop growing deeper.
    return comment.replying_to_id or comment.parent_id


def _mention(username: str, actor_uri: str) -> str:
    return f"@{username}@{urlsplit(actor_uri).netloc.lower()}"


def find_recipient(actor_uri: str) -> Recipient | None:
    """The inbox and handle of `actor_uri`: known if they follow the blog, else fetched."""
    follower = Follower.objects.filter(actor_uri=actor_uri).first()
    if follower is not None and follower.handle.count("@") == 2:
        return Recipient(inbox=follower.delivery_inbox, mention=follower.handle)
    try:
        actor = keys.fetch_document(actor_uri)
    except keys.DocumentError as exc:
        logger.warning("Cannot fetch %s to answer it: %s", actor_uri, exc)
        return None
    endpoints = actor.get("endpoints") if isinstance(actor.get("endpoints"), dict) else {}
    owner = keys.origin(actor_uri)
    inbox = next(
        (
            url
            for url in (endpoints.get("sharedInbox"), actor.get("inbox"))
            if isinstance(url, str) and keys.origin(url) == owner
        ),
        "",
    )
    username = actor.get("preferredUsername")
    if actor.get("id") != actor_uri or not inbox or not isinstance(username, str) or not username:
        logger.warning("%s has no inbox or username to answer it at", actor_uri)
        return None
    return Recipient(inbox=inbox, mention=_mention(username[:100], actor_uri))


def _digest(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _note(comment: Comment, record: SentNote) -> dict:
    return activities.note(
        comment,
        in_reply_to=record.in_reply_to,
        actor_uri=record.actor_uri,
        profile_url=record.profile_url,
        mention=record.mention,
        with_context=False,
    )


def _inboxes(record: SentNote) -> list[str]:
    """The person answered (unless blocked since) and the followers."""
    blocked = Block.objects.blocks(record.actor_uri) or Block.objects.blocks(record.inbox)
    return [*([] if blocked else [record.inbox]), *followers_inboxes()]


def withdraw(record: SentNote) -> None:
    """Send Delete for the Note `record` stands for; its id answers with a Tombstone."""
    now = timezone.now()
    record.deleted_at = now
    record.save(update_fields=["deleted_at"])
    addressed = {
        "id": record.object_id,
        "to": [activities.PUBLIC],
        "cc": [record.actor_uri, activities.followers_id()],
    }
    activity = activities.note_activity("Delete", addressed, at=now)
    deliver(activity, _inboxes(record))


def _public_by_author(comment_id: int) -> Comment | None:
    comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
    if comment is None or not comment.is_public() or not comment.written_by_author:
        return None
    return comment


def _public_answer(comment_id: int) -> tuple[Comment | None, RemoteReply | None]:
    comment = _public_by_author(comment_id)
    return comment, None if comment is None else answered_reply(comment)


@transaction.atomic
def _sync(comment_id: int, recipient: Recipient | None) -> str:
    record = SentNote.objects.select_for_update().filter(comment_id=comment_id).first()
    comment, remote = _public_answer(comment_id)
    if comment is None or (remote is None and record is None):
        if record is None or record.deleted_at is not None:
            return "nothing"
        withdraw(record)
        return "delete"
    if record is None:
        if recipient is None:
            return "no inbox"
        url = activities.absolute(comment.get_absolute_url())
        record = SentNote.objects.filter(object_id=url).first() or SentNote(object_id=url)
        record.comment = comment
        record.in_reply_to, record.actor_uri = remote.object_id, remote.actor_uri
        record.profile_url = remote.actor_url
        record.inbox, record.mention = recipient.inbox, recipient.mention
        kind = "Create"
    elif record.deleted_at is not None:
        # Public again (approved again, its post published again): sent again where it went.
        kind = "Create"
    else:
        # Once sent, the Note keeps answering what it answered (the reply may be gone since).
        kind = "Update"
    now = timezone.now()
    document = _note(comment, record)
    digest = _digest(document)
    if kind == "Update" and digest == record.digest:
        return "nothing"
    record.digest, record.sent_at, record.deleted_at = digest, now, None
    record.save()
    deliver(activities.note_activity(kind, document, at=now), _inboxes(record))
    return kind.lower()


def sync_answer(comment_id: int) -> str:
    """Bring the fediverse up to date with the author's comment `comment_id`; say what was sent.

    The person answered is looked up (maybe over the network) before the
    transaction, and only the first time a Note is created for the comment.
    """
    if not settings.KIJI_FEDIVERSE_ENABLED:
        return "off"
    recipient = None
    if not SentNote.objects.filter(comment_id=comment_id).exists():
        _comment, remote = _public_answer(comment_id)
        if remote is not None:
            recipient = find_recipient(remote.actor_uri)
            if recipient is None:
                return "no inbox"
    return _sync(comment_id, recipient)


@task()
def send_answer(comment_id: int, attempt: int = 1) -> str:
    """The queued form of `sync_answer`; a person whose server did not answer is tried again."""
    sent = sync_answer(comment_id)
    if (
        sent == "no inbox"
        and attempt < settings.KIJI_FEDIVERSE_DELIVERY_MAX_ATTEMPTS
        and default_task_backend.supports_defer
    ):
        delay = settings.KIJI_FEDIVERSE_DELIVERY_RETRY_SECONDS * 2 ** (attempt - 1)
        run_after = timezone.now() + timedelta(seconds=delay)
        send_answer.using(run_after=run_after).enqueue(comment_id, attempt + 1)
    return sent


def note_response(request: HttpRequest, *, comment_id: int, **kwargs) -> HttpResponse:
    """A comment's permalink as ActivityPub clients see it: the author's Note, or a Tombstone.

    Only the author's answers that were sent are Notes; readers' comments never
    leave the server this way (404), and a withdrawn Note is gone (410).
    """
    record = SentNote.objects.filter(comment_id=comment_id).first()
    comment = _public_by_author(comment_id)
    if comment is not None and record is not None and record.deleted_at is None:
        return activity_response({"@context": activities.AS_CONTEXT, **_note(comment, record)})
    url = activities.absolute(request.path)
    gone = record or SentNote.objects.filter(object_id=url).first()
    if gone is not None:
        deleted = gone.deleted_at or timezone.now()
        return activity_response(activities.tombstone(gone.object_id, deleted=deleted), status=410)
    return activity_response({"error": "not found"}, status=404)


# Signals: they only queue the task, after the transaction commits.


def _queue(comment_ids) -> None:
    for comment_id in comment_ids:
        transaction.on_commit(lambda comment_id=comment_id: send_answer.enqueue(comment_id))


def comment_was_published(sender, comment: Comment, **kwargs) -> None:
    """The author's answer is published (at once, or approved again): send it."""
    if not settings.KIJI_FEDIVERSE_ENABLED or not comment.written_by_author:
        return
    answered = _answered_id(comment)
    if answered is not None and RemoteReply.objects.filter(comment_id=answered).exists():
        _queue([comment.pk])


def comment_saved(sender, instance: Comment, raw: bool = False, **kwargs) -> None:
    """An answer already sent was edited or withdrawn from readers: Update or Delete."""
    if raw or not settings.KIJI_FEDIVERSE_ENABLED or not instance.written_by_author:
        return
    if SentNote.objects.filter(comment_id=instance.pk, deleted_at__isnull=True).exists():
        _queue([instance.pk])


def comment_deleted(sender, instance: Comment, **kwargs) -> None:
    if not settings.KIJI_FEDIVERSE_ENABLED or not instance.written_by_author:
        return
    for record in SentNote.objects.filter(comment_id=instance.pk, deleted_at__isnull=True):
        withdraw(record)


def post_saved(sender, instance: Post, raw: bool = False, **kwargs) -> None:
    """A post unpublished or published again takes its answers with it."""
    if raw or not settings.KIJI_FEDIVERSE_ENABLED:
        return
    _queue(
        SentNote.objects.filter(comment__post_id=instance.pk).values_list("comment_id", flat=True)
    )


def posts_changed(sender, post_ids=(), **kwargs) -> None:
    if not post_ids or not settings.KIJI_FEDIVERSE_ENABLED:
        return
    _queue(
        SentNote.objects.filter(comment__post_id__in=post_ids).values_list("comment_id", flat=True)
    )


def connect() -> None:
    comment_published.connect(comment_was_published, dispatch_uid="fediverse_answer_published")
    post_save.connect(comment_saved, sender=Comment, dispatch_uid="fediverse_answer_saved")
    pre_delete.connect(comment_deleted, sender=Comment, dispatch_uid="fediverse_answer_deleted")
    post_save.connect(post_saved, sender=Post, dispatch_uid="fediverse_answers_post_saved")
    content_changed.connect(posts_changed, dispatch_uid="fediverse_answers_posts_changed")
