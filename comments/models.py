import hashlib
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import F, Min, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from comments import markup
from moderation.models import ModeratedItem, ModeratedQuerySet


def normalise_text(text: str) -> str:
    """The text as compared for double submissions: NFKC, case and spacing folded."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def fingerprint(*, post_id: int, email: str, text: str) -> str:
    """What makes two comments the same submission: post, email and text, normalised."""
    key = "\x1f".join((str(post_id), email.strip().casefold(), normalise_text(text)))
    return hashlib.sha256(key.encode()).hexdigest()


class CommentQuerySet(ModeratedQuerySet):
    def for_display(self) -> "CommentQuerySet":
        """Only what the page shows: never the email or the IP address."""
        return self.only(
            "id",
            "post_id",
            "parent_id",
            "thread_id",
            "thread_started_at",
            "depth",
            "author_name",
            "author_url",
            "written_by_author",
            "text_html",
            "status",
            "created_at",
        ).order_by("created_at", "id")

    def in_threads_before(self, comment: "Comment") -> "CommentQuerySet":
        """Comments of the threads above `comment`'s thread on its post (oldest thread first)."""
        return self.filter(post_id=comment.post_id).filter(
            Q(thread_started_at__lt=comment.thread_started_at)
            | Q(thread_started_at=comment.thread_started_at, thread_id__lt=comment.thread_id)
        )

    def start_threads(self) -> int:
        """Make each comment here that has no thread yet start its own (after `bulk_create`)."""
        return self.filter(thread_id__isnull=True).update(
            thread_id=F("id"), thread_started_at=F("created_at")
        )

    def page_of_threads(self, start: int, end: int) -> "CommentQuerySet":
        """The ids of the threads from `start` to `end` in reading order, as a subquery."""
        return (
            self.order_by()
            .values("thread_id")
            .annotate(started=Min("thread_started_at"))
            .order_by("started", "thread_id")
            .values("thread_id")[start:end]
        )

    def thread_keys(self) -> "CommentQuerySet":
        """One row per thread (its start and id), in the order threads are shown."""
        return (
            self.order_by("thread_started_at", "thread_id")
            .values_list("thread_started_at", "thread_id")
            .distinct()
        )


class Comment(ModeratedItem):
    post = models.ForeignKey(
        "blog.Post", verbose_name=_("post"), on_delete=models.CASCADE, related_name="comments"
    )
    author_name = models.CharField(_("name"), max_length=100)
    author_email = models.EmailField(_("email"), max_length=254)
    author_url = models.URLField(_("website"), max_length=200, blank=True)
    text = models.TextField(_("comment"))
    text_html = models.TextField(editable=False, default="")
    fingerprint = models.CharField(max_length=64, editable=False)
    notify_on_approval = models.BooleanField(
        _("notify when approved"),
        default=False,
        help_text=_("The commenter asked for one email when the comment is approved."),
    )
    approval_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Threads. A reply names the comment it answers; every comment also carries its
    # thread's top-level comment (`thread_id`, its own id for a top-level one) and
    # when that was written, so a page can hold whole threads, and a thread keeps
    # its place when its first comment is removed.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
    )
    # The comment its writer answered. `parent` is where it shows: higher up
    # once a thread is KIJI_COMMENTS_THREAD_DEPTH deep (see `attach_to`).
    replying_to = models.ForeignKey(
        "self",
        verbose_name=_("answers"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    thread_id = models.BigIntegerField(null=True, blank=True, editable=False)
    thread_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # Written by the blog's author, signed in: labelled as theirs on the page.
    written_by_author = models.BooleanField(_("by the author"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CommentQuerySet.as_manager()
    # Whether the page offers a Reply link under it, and where; the comment section sets them.
    replyable = False
    reply_url = ""
    # A picture of its author from an app that knows one (comments/pictures.py).
    picture_url = ""
    css_class = "comment"

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.UniqueConstraint(fields=["fingerprint"], name="comment_unique_submission"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(depth__gt=0), name="comment_reply_has_depth"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="comment_not_its_own_parent"
            ),
        ]
        indexes = [
            models.Index(fields=["post", "status", "created_at"], name="comment_post_status_idx"),
            models.Index(fields=["status", "created_at"], name="comment_status_created_idx"),
            # The admin's "all" list, newest first, without sorting the whole table.
            models.Index(fields=["created_at", "id"], name="comment_created_idx"),
            # A post's threads in order, and the comments of a page's threads.
            models.Index(
                fields=["post", "status", "thread_started_at", "thread_id"],
                name="comment_post_threads_idx",
            ),
        ]

    def __str__(self) -> str:
        return _("%(name)s on %(post)s") % {"name": self.author_name, "post": self.post}

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        # A save of other fields (moderating it, say) leaves the stored markup as it is.
        if update_fields is None or "text" in update_fields:
            self.text_html = markup.render_comment(self.text)
        if not self.fingerprint:
            self.fingerprint = fingerprint(
                post_id=self.post_id, email=self.author_email, text=self.text
            )
        if update_fields is not None and "text" in update_fields:
            kwargs["update_fields"] = {*update_fields, "text_html"}
        if self.thread_started_at is None:
            self.thread_started_at = self.created_at
        super().save(*args, **kwargs)
        if self.thread_id is None:
            # A top-level comment starts its own thread, named by its id.
            self.thread_id = self.pk
            Comment.objects.filter(pk=self.pk).update(thread_id=self.pk)

    def get_absolute_url(self) -> str:
        """A stable permalink; it redirects to the page of the thread the comment is on."""
        return reverse("comments:permalink", kwargs={"comment_id": self.pk})

    def thread_page(self) -> int:
        """The page of its post's comments this comment's thread shows on (one query)."""
        above = Comment.objects.public().in_threads_before(self).values("thread_id").distinct()
        return above.count() // settings.KIJI_COMMENTS_PER_PAGE + 1

    def attach_to(self, parent: "Comment") -> None:
        """Make this comment a reply to `parent`, at most `KIJI_COMMENTS_THREAD_DEPTH` deep.

        A reply to a comment at the deepest level answers it from that level
        (its parent is the deepest comment's parent), as WordPress does;
        `replying_to` keeps the comment it answers.
        """
        self.replying_to = parent
        deepest = max(settings.KIJI_COMMENTS_THREAD_DEPTH, 1) - 1
        while parent.depth >= deepest and parent.parent is not None:
            parent = parent.parent
        self.thread_id = parent.thread_id
        self.thread_started_at = parent.thread_started_at
        if parent.depth >= deepest:
            # The comments above it were removed: answer beside it, in its thread.
            self.parent, self.depth = None, parent.depth
        else:
            self.parent, self.depth = parent, parent.depth + 1

    def get_thread_url(self) -> str:
        """The post page that shows this comment, with its anchor."""
        page = self.thread_page()
        query = f"?page={page}" if page > 1 else ""
        return f"{self.post.get_absolute_url()}{query}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    @property
    def summary(self) -> str:
        return markup.plain_text(self.text_html)

    @property
    def moderation_summary(self) -> str:
        return f"{self.author_name}: {self.summary}"
