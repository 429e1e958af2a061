from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from blog import discussion, markup
from blog.signals import content_changed


def unique_slug(model, text: str, *, exclude_pk=None, max_length: int = 200) -> str:
    """Slugify `text` (keeping Japanese characters) and make it unique for `model`."""
    base = slugify(text, allow_unicode=True)[: max_length - 8].strip("-") or "post"
    candidate, n = base, 1
    others = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    while others.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Category, self.name, max_length=100)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("blog:category", kwargs={"slug": self.slug})


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Tag, self.name, max_length=100)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("blog:tag", kwargs={"slug": self.slug})


# Written only by `PostQuerySet.raise_discussion_revision()`.
REVISIONS = {"discussion_revision", "pings_revision"}


class PostQuerySet(models.QuerySet):
    def published(self) -> "PostQuerySet":
        """Posts a reader may see: published, with a publish date that has come."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self) -> "PostQuerySet":
        """Posts set to be published at a moment still to come (readers see them from then)."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())

    def for_listing(self) -> "PostQuerySet":
        """Published posts with what a list of posts shows, in a fixed number of queries."""
        return (
            self.published()
            .select_related("author", "category")
            .prefetch_related("tags")
            .annotate(**discussion.count_annotations())
            .defer("body", "body_html")
        )

    def search(self, query: str) -> "PostQuerySet":
        """Posts whose title or text contains every word of `query`.

        Substring matching needs no word boundaries, so it works for Japanese,
        which has no spaces between words, as well as for English. On PostgreSQL
        the trigram indexes of migration 0004 are built on the expressions
        `icontains` compiles to; a change of lookup here needs new indexes there.
        """
        condition = Q()
        for word in query.split()[:10]:
            condition &= Q(title__icontains=word) | Q(body_text__icontains=word)
        return self.filter(condition)

    def unpublish(self) -> int:
        """Move these posts back to drafts; return how many were published.

        A post readers never saw (its date had not come) loses its publication
        mark, so publishing it later dates it then (`Post.publish`).
        """
        now = timezone.now()
        published = self.filter(status=Post.Status.PUBLISHED)
        published.filter(first_published_at__gt=now).update(first_published_at=None)
        return published.update(status=Post.Status.DRAFT, updated_at=now)

    def raise_discussion_revision(self, *post_ids: int, pings: bool = False) -> None:
        """The comments readers see on these posts (or, with `pings`, the pings) changed.

        Approved, edited or withdrawn. Each has its revision, so that an
        approved comment does not render the pings again, nor a ping the
        comments. Call it inside the transaction that makes the change. The update holds
        the posts' rows until the transaction ends, so revisions follow the
        order in which changes commit: a page that read revision N then reads
        the items as they were when N committed, or later. Kept markup is
        never filed under a revision older than what it shows. Sends
        `blog.signals.content_changed` for the posts.
        """
        if not post_ids:
            return
        field = "pings_revision" if pings else "discussion_revision"
        self.filter(pk__in=post_ids).update(**{field: F(field) + 1})
        content_changed.send(sender=Post, post_ids=post_ids, discussion_only=True)


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Format(models.TextChoices):
        MARKDOWN = "markdown", _("Markdown")
        HTML = "html", _("HTML")

    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        allow_unicode=True,
        help_text=_(
            "Part of the permalink. Japanese characters are kept. Changing it breaks links."
        ),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="posts",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="posts")
    body_format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.MARKDOWN
    )
    body = models.TextField(_("body"))
    excerpt = models.TextField(
        _("excerpt"),
        blank=True,
        help_text=_(
            "Shown in lists of posts, search results and the page description; feeds carry "
            "the whole post. Left empty, the start of the body is used."
        ),
    )
    body_html = models.TextField(editable=False, default="")
    body_text = models.TextField(editable=False, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("publish date"),
        default=timezone.now,
        help_text=_("A date in the future schedules the post."),
    )
    # When readers could first see the post: its publish date, the first time it
    # is saved published. Until that date has come, it follows the status and
    # date (`Post.save`); after, it stays, and marks the post as published before.
    first_published_at = models.DateTimeField(
        _("first published"), null=True, blank=True, editable=False
    )
    comments_enabled = models.BooleanField(_("comments enabled"), default=True)
    pings_enabled = models.BooleanField(_("pings enabled"), default=True)
    ping_urls = models.TextField(
        _("URLs to ping"),
        blank=True,
        help_text=_(
            "TrackBack URLs to notify when the post is published, one per line. "
            "Pages the post links to are found and notified on their own."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Raised in the transaction of every change to the comments (and what shows
    # with them) or to the pings readers see on the post
    # (`Post.objects.raise_discussion_revision`); the kept markup of each section
    # is filed under its own (pagecache/fragments.py).
    discussion_revision = models.PositiveBigIntegerField(default=0, editable=False)
    pings_revision = models.PositiveBigIntegerField(default=0, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["status", "published_at", "id"], name="post_status_pub_idx"),
            models.Index(fields=["category", "status", "published_at"], name="post_cat_pub_idx"),
            # Lists of posts in any status, newest first (the admin's, its filters' choices).
            models.Index(fields=["-published_at", "-id"], name="post_pub_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Post, self.title, exclude_pk=self.pk)
        self.body_html, self.body_text = markup.render(self.body, self.body_format)
        if not self.was_published():
            self.first_published_at = (
                self.published_at if self.status == self.Status.PUBLISHED else None
            )
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and {"status", "published_at"} & set(update_fields):
                kwargs["update_fields"] = {*update_fields, "first_published_at"}
        if not (self._state.adding or args or kwargs.get("force_insert")) and (
            kwargs.get("update_fields") is None
        ):
            # Only `raise_discussion_revision()` writes them: saving a post
            # loaded before a comment was approved must not put back its old one.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in REVISIONS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        local = timezone.localtime(self.published_at)
        return reverse(
            "blog:post",
            kwargs={
                "year": local.year,
                "month": f"{local.month:02d}",
                "day": f"{local.day:02d}",
                "slug": self.slug,
            },
        )

    def is_published(self) -> bool:
        """Return True if readers may see the post (the rule of `PostQuerySet.published`)."""
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    def is_scheduled(self) -> bool:
        """Return True if the post is set to be published later (the rule of `scheduled`)."""
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    def was_published(self) -> bool:
        """Return True if readers may have seen the post: published once, on a date that came."""
        return self.first_published_at is not None and self.first_published_at <= timezone.now()

    def publish(self, *, keep_date: bool = False) -> None:
        """Set the post published (the caller saves it).

        A post never published before, whose publish date has passed (the draft
        was started then), is dated now: the moment it is published. A date in
        the future (a schedule), a post published before, and `keep_date` (the
        author chose the date) keep the date.
        """
        now = timezone.now()
        if not (keep_date or self.was_published() or self.published_at > now):
            self.published_at = now
        self.status = self.Status.PUBLISHED

    @property
    def local_date(self):
        return timezone.localtime(self.published_at).date()

    @property
    def summary(self) -> str:
        """The excerpt, or the start of the body as plain text."""
        if self.excerpt:
            return self.excerpt
        return markup.truncate_text(self.body_text, 200)

    def discussion_closes_at(self):
        days = settings.KIJI_CLOSE_DISCUSSION_AFTER_DAYS
        return self.published_at + timedelta(days=days) if days else None

    def _discussion_open(self, enabled: bool) -> bool:
        if not enabled or not self.is_published():
            return False
        closes_at = self.discussion_closes_at()
        return closes_at is None or timezone.now() < closes_at

    @property
    def comments_open(self) -> bool:
        """The one rule for accepting comments: published, enabled, not past the closing age."""
        return self._discussion_open(self.comments_enabled)

    @property
    def pings_open(self) -> bool:
        """The one rule for accepting TrackBack, Pingback and Webmention."""
        return self._discussion_open(self.pings_enabled)

    def get_previous_published(self):
        """The published post just before this one, by one indexed query."""
        return (
            Post.objects.published()
            .filter(
                Q(published_at__lt=self.published_at)
                | Q(published_at=self.published_at, id__lt=self.id)
            )
            .only("title", "slug", "published_at")
            .order_by("-published_at", "-id")
            .first()
        )

    def get_next_published(self):
        """The published post just after this one, by one indexed query."""
        return (
            Post.objects.published()
            .filter(
                Q(published_at__gt=self.published_at)
                | Q(published_at=self.published_at, id__gt=self.id)
            )
            .only("title", "slug", "published_at")
            .order_by("published_at", "id")
            .first()
        )
