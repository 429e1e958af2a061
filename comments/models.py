import hashlib
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
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
            "id", "post_id", "author_name", "author_url", "text_html", "status", "created_at"
        ).order_by("created_at", "id")

    def before(self, comment: "Comment") -> "CommentQuerySet":
        """Comments above `comment` in its post's thread (oldest first)."""
        return self.filter(post_id=comment.post_id).filter(
            Q(created_at__lt=comment.created_at)
            | Q(created_at=comment.created_at, id__lt=comment.pk)
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

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.UniqueConstraint(fields=["fingerprint"], name="comment_unique_submission"),
        ]
        indexes = [
            models.Index(fields=["post", "status", "created_at"], name="comment_post_status_idx"),
            models.Index(fields=["status", "created_at"], name="comment_status_created_idx"),
            # The admin's "all" list, newest first, without sorting the whole table.
            models.Index(fields=["created_at", "id"], name="comment_created_idx"),
        ]

    def __str__(self) -> str:
        return _("%(name)s on %(post)s") % {"name": self.author_name, "post": self.post}

    def save(self, *args, **kwargs) -> None:
        self.text_html = markup.render_comment(self.text)
        if not self.fingerprint:
            self.fingerprint = fingerprint(
                post_id=self.post_id, email=self.author_email, text=self.text
            )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "text" in update_fields:
            kwargs["update_fields"] = {*update_fields, "text_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """A stable permalink; it redirects to the page of the thread the comment is on."""
        return reverse("comments:permalink", kwargs={"comment_id": self.pk})

    def thread_page(self) -> int:
        """The page of its post's comments this comment shows on (one query)."""
        above = Comment.objects.public().before(self).count()
        return above // settings.KIJI_COMMENTS_PER_PAGE + 1

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
