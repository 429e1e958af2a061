"""Comments and pings (TrackBacks, pingbacks) of imported entries.

Items in an export were moderated on the old blog, so they arrive approved
(or pending or spam, when a WordPress export says so). The blog's content
rules (blocked words, addresses, IPs) still run on them, and what they call
spam is kept as spam for the author to review, never dropped. Rules about
how a form was filled in (timing, honeypot) mean nothing for an import and
cannot fire; the known-commenter rule is skipped (it would query per item).

A comment is the same as one already there when its post, date (to the
second), author and text match, so importing a file again adds nothing,
while two identical comments on different dates (a double post from 2004)
are both kept. A ping is the same when its post and source URL match (the
database holds one per pair).

A WordPress reply (`wp:comment_parent`) answers its parent here too, when
the parent is an approved comment of the same post; see `CommentWriter.relate`.
"""

import hashlib
import ipaddress
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db.models import Model
from django.utils.functional import cached_property
from django.utils.translation import gettext

from comments.markup import render_comment
from comments.models import Comment
from comments.spam_checks import KnownCommenterCheck
from moderation import spam
from moderation.models import Status
from porting import mt_entries
from trackbacks import cleaning
from trackbacks.models import Trackback
from trackbacks.screening import ping_submission

_href = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
INSERT_BATCH = 500
EXCERPT_LIMIT = 10_000  # characters of a ping's excerpt kept (the old blog kept them all)
STATUSES = {
    mt_entries.APPROVED: Status.APPROVED,
    mt_entries.PENDING: Status.PENDING,
    mt_entries.SPAM: Status.SPAM,
}


def clean_url(value: str) -> str:
    """An http(s) URL from what an export holds (sometimes a whole <a> tag), or ""."""
    value = value.strip()
    match = _href.search(value)
    if match:
        value = match.group(1).strip()
    if not value.lower().startswith(("http://", "https://")):
        return ""
    if any(c.isspace() or ord(c) < 32 or c == "\x7f" for c in value):
        return ""
    return value


def clean_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def import_fingerprint(post_id: int, when: datetime, *parts: str) -> str:
    key = "\x1f".join(("import", str(post_id), when.isoformat(), *parts))
    return hashlib.sha256(key.encode()).hexdigest()


def post_ref(row: Model) -> object:
    """The row's post: its id, or for a post not yet written, the object itself."""
    return row.post_id if row.post_id is not None else id(row.post)


class SpamRules:
    """The blog's configured spam checks that make sense for imported items."""

    def __init__(self):
        self.checks = [
            check for check in spam.load_checks() if not isinstance(check, KnownCommenterCheck)
        ]

    def verdict(self, submission: spam.Submission) -> spam.Verdict | None:
        """The first spam verdict for the item, or None."""
        for check in self.checks:
            if check.applies(submission):
                verdict = check.check(submission)
                if verdict is not None and verdict.status == Status.SPAM:
                    return verdict
        return None


class ItemWriter:
    """Builds the rows of one kind of item for imported posts; subclasses name the kind."""

    kind = ""  # the report's row: "comments" or "pings"
    model: type[Model]

    def __init__(self, aware, render_later):
        self.aware, self.render_later = aware, render_later
        self.rules = SpamRules()
        self._reasons: dict[str, str] = {}

    def items(self, entry: mt_entries.Entry) -> list:
        raise NotImplementedError

    def build(self, item, post, when: datetime, entry: mt_entries.Entry, part) -> Model | None:
        """The row for one item, or None (with a warning) when it cannot be stored."""
        raise NotImplementedError

    def key(self, row: Model) -> tuple:
        """What makes two rows the same item (dates to the second, as exports keep them)."""
        return (post_ref(row), row.created_at.replace(microsecond=0), *self.identity(row))

    def identity(self, row: Model) -> tuple:
        raise NotImplementedError

    def rows(self, targets: Iterable[tuple[mt_entries.Entry, object, bool]], part) -> list[Model]:
        """Rows for every item of the targets: (entry, post, whether the post is new).

        Items already on a post that existed before the import (the same
        file imported again, or a Kiji export imported back) are skipped:
        one query per batch loads what those posts have.
        """
        built, old_posts = [], set()
        for entry, post, is_new in targets:
            if not is_new:
                old_posts.add(post.pk)
            for item in self.items(entry):
                when = self.aware(item.date or entry.date)
                row = self.build(item, post, when, entry, part)
                if row is not None:
                    built.append((entry, item, row))
        # Each item's row: the one stored, or the first of its kind in this batch.
        known = {self.key(row): row for row in self.stored(old_posts)} if old_posts else {}
        fresh, placed = [], []
        for entry, item, row in built:
            key = self.key(row)
            if key in known:
                part.add(self.kind, "existing")
                placed.append((entry, item, known[key], False))
                continue
            known[key] = row
            fresh.append(row)
            placed.append((entry, item, row, True))
            part.add(self.kind, "flagged" if row.status == Status.SPAM else "created")
        self.relate(placed, part)
        return fresh

    def stored(self, post_ids: set[int]) -> Iterable[Model]:
        """The rows already on these posts."""
        return self.model.objects.filter(post_id__in=post_ids).iterator()

    def relate(self, placed: list[tuple[mt_entries.Entry, object, Model, bool]], part) -> None:
        """Link rows to each other before they are inserted.

        `placed` has every item with its row and whether the item is new: an
        item already there has the stored row (with a pk), an item repeated
        in the batch the row of its first copy.
        """

    def insert(self, rows: list[Model]) -> None:
        """Write the new rows (in bulk: no `save()` runs, no signals are sent)."""
        self.model.objects.bulk_create(rows, batch_size=INSERT_BATCH)

    def finish_later(self, rows: list[Model]) -> Callable[[], None]:
        """Start what is costly for the rows; the returned callable completes them.

        It is called once their posts are written (and have ids).
        """
        return lambda: None

    def status(self, submission: spam.Submission, given: str) -> tuple[str, str]:
        """Status and reason: as the export says, unless a spam rule says spam."""
        verdict = self.rules.verdict(submission)
        if verdict is not None:
            return Status.SPAM, gettext("Imported; %(reason)s") % {"reason": verdict.reason}
        status = STATUSES.get(given, Status.APPROVED)
        if status not in self._reasons:
            self._reasons[status] = gettext("Imported (%(status)s on the old blog)") % {
                "status": status.label.lower()
            }
        return status, self._reasons[status]


class CommentWriter(ItemWriter):
    kind = "comments"
    model = Comment

    def __init__(self, aware, render_later):
        super().__init__(aware, render_later)
        # For the rows of the batch being written, by id(row): see `relate`.
        self._levels: dict[int, int] = {}
        self._thread_starts: dict[int, Comment] = {}

    def items(self, entry):
        return entry.comments

    @cached_property
    def anonymous(self) -> str:
        return gettext("Anonymous")

    def identity(self, row: Comment) -> tuple:
        return (row.author_name, row.text.strip())

    def stored(self, post_ids: set[int]) -> list[Comment]:
        rows = list(Comment.objects.filter(post_id__in=post_ids))
        # Each stored reply knows its parent without a query (for `attach_to`).
        by_pk = {row.pk: row for row in rows}
        for row in rows:
            if row.parent_id in by_pk:
                row.parent = by_pk[row.parent_id]
        return rows

    def relate(self, placed, part) -> None:
        """Replies answer their parent (WXR's comment_parent) as they did on the old blog.

        The parent must be an approved comment of the same post; otherwise
        the reply becomes a top-level comment, with a warning. Each new
        reply is attached (`Comment.attach_to`, which keeps threads within
        `KIJI_COMMENTS_THREAD_DEPTH`) after its parent, and gets a level:
        `insert` writes the levels in turn, so the rows a reply takes its
        parent and thread ids from have them when the reply is written.
        """
        self._levels, self._thread_starts = {}, {}
        by_source = {
            (post_ref(row), item.source_id): row for _, item, row, _ in placed if item.source_id
        }
        parent_of: dict[int, Comment] = {}
        replies = []
        for entry, item, row, is_new in placed:
            if not is_new or not item.reply_to:
                continue
            parent = by_source.get((post_ref(row), item.reply_to))
            if parent is None:
                why = "is not one of this post's comments in the file"
            elif parent.status != Status.APPROVED:
                why = f"is not approved ({Status(parent.status).label.lower()})"
            else:
                parent_of[id(row)] = parent
                replies.append((entry, row))
                continue
            part.warnings.append(
                f"{entry.describe()}: comment by {row.author_name} answers comment "
                f"{item.reply_to}, which {why}; imported as a top-level comment"
            )
        attached: set[int] = set()
        for entry, row in replies:
            # Walk up to a comment already placed, then attach from the top down.
            chain, on_chain, node = [], set(), row
            while id(node) in parent_of and id(node) not in attached:
                chain.append(node)
                on_chain.add(id(node))
                node = parent_of[id(node)]
                if id(node) in on_chain:
                    del parent_of[id(chain[-1])]
                    part.warnings.append(
                        f"{entry.describe()}: comment by {chain[-1].author_name} closes a "
                        "loop of replies; imported as a top-level comment"
                    )
                    break
            for node in reversed(chain):
                attached.add(id(node))
                if id(node) in parent_of:
                    self._attach(node, parent_of[id(node)])

    def _attach(self, row: Comment, parent: Comment) -> None:
        """Attach a new reply; note the new rows it needs ids from, and its level."""
        row.attach_to(parent)
        # Where it shows and what it answers (the same, unless the thread is full).
        needs = [
            related
            for related in (row.parent, row.replying_to)
            if related is not None and related.pk is None
        ]
        if row.thread_id is None:
            # The thread starts with a new comment: its id is the thread's.
            start = self._thread_starts.get(id(parent), parent)
            self._thread_starts[id(row)] = start
            needs.append(start)
        self._levels[id(row)] = max((self._levels.get(id(n), 0) + 1 for n in needs), default=0)

    def insert(self, rows: list[Comment]) -> None:
        """Insert level by level (parents first), then start the threads of top-level rows."""
        levels = defaultdict(list)
        for row in rows:
            levels[self._levels.get(id(row), 0)].append(row)
        for level in sorted(levels):
            for row in levels[level]:
                start = self._thread_starts.get(id(row))
                if start is not None:
                    row.thread_id, row.thread_started_at = start.pk, start.created_at
            # A reply's parent_id and replying_to_id are taken from rows inserted at an
            # earlier level.
            Comment.objects.bulk_create(levels[level], batch_size=INSERT_BATCH)
        Comment.objects.filter(
            post_id__in={row.post_id for row in rows}, thread_id__isnull=True
        ).start_threads()

    def finish_later(self, rows: list[Comment]) -> Callable[[], None]:
        rendered = self.render_later(render_comment, [row.text for row in rows])

        def finish() -> None:
            for row, text_html in zip(rows, rendered(), strict=True):
                row.text_html = text_html
                row.fingerprint = import_fingerprint(
                    row.post.pk, row.created_at, row.author_name, row.author_email, row.text
                )

        return finish

    def build(self, item: mt_entries.Comment, post, when, entry, part) -> Comment:
        url = clean_url(item.url)
        if item.url.strip() and (not url or len(url) > 200):
            part.warnings.append(
                f"{entry.describe()}: comment by {item.author or 'anonymous'}: "
                f"website {item.url.strip()[:80]!r} dropped (not an http(s) address that fits)"
            )
            url = ""
        ip = clean_ip(item.ip)
        name = item.author.strip()[:100] or self.anonymous
        email = item.email.strip()[:254]
        status, reason = self.status(
            spam.Submission(
                kind=spam.Kind.COMMENT,
                post=post,
                author_name=name,
                author_email=email,
                author_url=url,
                text=item.text,
                ip=ip,
                form_age=float("inf"),
            ),
            item.status,
        )
        return Comment(
            post=post,
            author_name=name,
            author_email=email,
            author_url=url,
            text=item.text,
            ip_address=ip,
            created_at=when,
            status=status,
            status_reason=reason[:255],
        )


class PingWriter(ItemWriter):
    """TrackBacks (and WordPress pingbacks) of imported entries, one per source and post."""

    kind = "pings"
    model = Trackback

    def items(self, entry):
        return entry.pings

    def key(self, row: Trackback) -> tuple:
        # The database keeps one ping per source URL and post.
        return (post_ref(row), row.url)

    def build(self, item: mt_entries.Ping, post, when, entry, part) -> Trackback | None:
        url = clean_url(item.url)
        if not url or len(url) > 2000:
            part.warnings.append(
                f"{entry.describe()}: ping {item.title or item.blog_name or '(untitled)'!r} "
                f"skipped: its source {item.url.strip()[:80]!r} is not an http(s) address"
            )
            part.add(self.kind, "failed")
            return None
        excerpt = cleaning.clean_text(item.excerpt, EXCERPT_LIMIT)
        blog_name = cleaning.clean_text(item.blog_name, 255)
        title = (
            cleaning.clean_text(item.title, 255)
            or cleaning.truncate(excerpt, 40)
            or cleaning.truncate(url, 255)
        )
        kind = Trackback.Kind.PINGBACK if item.kind == "pingback" else Trackback.Kind.TRACKBACK
        ip = clean_ip(item.ip)
        status, reason = self.status(
            ping_submission(
                post=post,
                kind=kind,
                url=url,
                title=title,
                excerpt=excerpt,
                blog_name=blog_name,
                ip=ip,
            ),
            item.status,
        )
        return Trackback(
            post=post,
            kind=kind,
            url=url,
            title=title,
            excerpt=excerpt,
            blog_name=blog_name,
            ip_address=ip,
            created_at=when,
            status=status,
            status_reason=reason[:255],
        )


# What an import writes besides posts, in order.
WRITERS = [CommentWriter, PingWriter]
