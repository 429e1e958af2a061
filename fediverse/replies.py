"""Fediverse replies as comments, in the same moderation queue as every other comment.

A Note that answers one of our published posts (or one of its approved
comments, or a fediverse reply stored as one) becomes a `comments.Comment`
with a `RemoteReply` beside it: through the shared spam checks (kind
"fediverse", so the comment form's honeypot and timing checks do not apply),
always held for the author unless the checks say spam, announced to the
author like any comment. The Note's HTML becomes plain text with each link's
address written out, and the comment renders that text as it renders every
reader's (`comments.markup`). Update edits the comment (an approved one waits
again when its text changed, unless `KIJI_FEDIVERSE_REAPPROVE_EDITS` is
False); Delete removes it, and a Delete of the account itself removes all of
its replies (`delete_actor_notes`, through fediverse/actors.py).
"""

from __future__ import annotations

import contextlib
import hashlib
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from blog.models import Post
from comments.models import Comment, fingerprint
from comments.services import ReplyRefused, parent_for_reply
from fediverse import keys
from fediverse.models import RemoteReply
from moderation import spam
from moderation.models import Status
from moderation.notify import notify_author
from moderation.services import moderate

SPAM_KIND = "fediverse"
PLACEHOLDER_DOMAIN = "fediverse.invalid"


def fediverse_actor_email(actor_uri: str) -> str:
    """The address a fediverse commenter's comments carry: derived from the actor, never real.

    `personal_data export $(manage.py fediverse_email ACTOR)` and the comment admin find
    a fediverse commenter's items by it.
    """
    digest = hashlib.sha256(actor_uri.strip().encode()).hexdigest()[:32]
    return f"{digest}@{PLACEHOLDER_DOMAIN}"


class _NoteText(HTMLParser):
    BLOCKS = frozenset({"p", "div", "blockquote", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.link: str | None = None
        self.label: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.link is None:
            href = attrs.get("href") or ""
            self.link = href if keys.origin(href) else ""
            self.label = []

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.link is not None:
            label = "".join(self.label).strip()
            if not self.link:
                self.parts.append(label)
            elif label[:1] in ("@", "#"):
                # A mention or a hashtag: its name, and where it leads.
                self.parts.append(f"{label} ({self.link})")
            else:
                self.parts.append(self.link)
            self.link = None

    def handle_data(self, data):
        if self.link is not None:
            self.label.append(data)
        else:
            self.parts.append(data)

    def text(self) -> str:
        paragraphs = "".join(self.parts).split("\n\n")
        kept = ("\n".join(line.strip() for line in p.strip().split("\n")) for p in paragraphs)
        return "\n\n".join(p for p in kept if p)


def note_text(html: str) -> str:
    """A Note's HTML as plain text: paragraphs and line breaks kept, each link as its address."""
    parser = _NoteText()
    parser.feed(html or "")
    parser.close()
    return parser.text()[: settings.KIJI_COMMENTS_MAX_LENGTH]


def _local_path(url: str) -> str | None:
    """The path of one of our URLs, decoded as Django resolves it ("%E7%A7%8B" -> "秋")."""
    if keys.origin(url) != keys.origin(settings.KIJI_SITE_URL):
        return None
    return unquote(urlsplit(url).path)


def find_target(url: str) -> tuple[Post, Comment | None] | None:
    """The published post (and approved comment) a reply's `inReplyTo` names, or None."""
    stored = (
        RemoteReply.objects.select_related("comment__post")
        .filter(object_id=url, comment__in=Comment.objects.public())
        .first()
    )
    if stored is not None:
        return stored.comment.post, stored.comment
    path = _local_path(url)
    if path is None:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name == "blog:post":
        for post in Post.objects.published().filter(slug=match.kwargs["slug"]):
            if unquote(post.get_absolute_url()) == path:
                return post, None
    elif match.view_name == "comments:permalink":
        comment = (
            Comment.objects.public()
            .select_related("post")
            .filter(pk=match.kwargs["comment_id"])
            .first()
        )
        if comment is not None:
            return comment.post, comment
    return None


def _author_name(actor: keys.ActorKey) -> str:
    return (actor.name or actor.username or urlsplit(actor.owner).hostname or "?")[:100]


def _profile_url(actor: keys.ActorKey) -> str:
    url = actor.profile_url or actor.owner
    return url if len(url) <= 200 else ""


def receive_note(*, note: dict, actor: keys.ActorKey, post: Post, parent: Comment | None):
    """Store a Note answering `post` (or `parent`) as a held comment and return the comment."""
    object_id = note["id"]
    existing = RemoteReply.objects.filter(object_id=object_id).select_related("comment").first()
    if existing is not None:
        return existing.comment
    email = fediverse_actor_email(actor.owner)
    text = note_text(note.get("content") or "") or "…"
    verdict = spam.check_submission(
        spam.Submission(
            kind=SPAM_KIND,
            post=post,
            author_name=_author_name(actor),
            author_email=email,
            author_url=_profile_url(actor),
            text=text,
        )
    )
    status = Status.SPAM if verdict.status == Status.SPAM else Status.PENDING
    reason = verdict.reason if status == verdict.status else _("Fediverse replies wait for review")
    comment = Comment(
        post=post,
        author_name=_author_name(actor),
        author_email=email,
        author_url=_profile_url(actor),
        text=text,
        ip_address=None,
        # One comment per Note: a Note delivered twice is stored once.
        fingerprint=fingerprint(post_id=post.pk, email=object_id, text=""),
        status=status,
        status_reason=reason[:255],
    )
    try:
        with transaction.atomic():
            # If the comment it answered was withdrawn meanwhile, the reply stands alone.
            with contextlib.suppress(ReplyRefused):
                if parent is not None:
                    comment.attach_to(parent_for_reply(post.pk, parent.pk))
            comment.save()
            RemoteReply.objects.create(
                comment=comment,
                object_id=object_id,
                actor_uri=actor.owner,
                actor_name=_author_name(actor),
                actor_url=actor.profile_url or actor.owner,
                avatar_url=actor.avatar_url,
                in_reply_to=note.get("inReplyTo") or "",
            )
    except IntegrityError:
        return RemoteReply.objects.get(object_id=object_id).comment
    notify_author(comment)
    return comment


@transaction.atomic
def update_note(*, note: dict, actor_uri: str) -> Comment | None:
    """Edit the comment a Note became; an approved one waits again if its text changed."""
    stored = (
        RemoteReply.objects.select_related("comment")
        .filter(object_id=note.get("id"), actor_uri=actor_uri)
        .first()
    )
    if stored is None:
        return None
    comment = stored.comment
    text = note_text(note.get("content") or "") or "…"
    if text == comment.text:
        return comment
    comment.text = text
    comment.save(update_fields=["text"])
    if comment.status == Status.APPROVED and getattr(
        settings, "KIJI_FEDIVERSE_REAPPROVE_EDITS", True
    ):
        moderate(comment, status=Status.PENDING, reason=_("Edited on the fediverse"))
    return comment


@transaction.atomic
def delete_note(*, object_id: str, actor_uri: str) -> bool:
    """Remove the comment a Note became (replies to it keep their place in the thread)."""
    stored = (
        RemoteReply.objects.select_related("comment")
        .filter(object_id=object_id, actor_uri=actor_uri)
        .first()
    )
    if stored is None:
        return False
    stored.comment.delete()
    return True


@transaction.atomic
def delete_actor_notes(actor_uri: str) -> int:
    """Remove every comment an actor's Notes became (a deleted account), as `delete_note` does."""
    found = RemoteReply.objects.select_related("comment").filter(actor_uri=actor_uri)
    n = 0
    for stored in found.order_by("pk"):
        stored.comment.delete()
        n += 1
    return n
