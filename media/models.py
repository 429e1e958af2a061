"""The media library: files readers receive, the originals kept for the author, and renditions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from media.storage import private_storage


class MediaItem(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        DOCUMENT = "document", _("Document")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    file = models.FileField(
        _("file"),
        max_length=255,
        help_text=_("What readers receive: for images, without the camera's metadata."),
    )
    original = models.FileField(
        _("original"),
        max_length=255,
        storage=private_storage,
        blank=True,
        help_text=_("The file as uploaded, kept privately for the author; never served."),
    )
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True, editable=False)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    alt = models.CharField(
        _("alt text"),
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it. Required for images."),
    )
    caption = models.TextField(_("caption"), blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    posts = models.ManyToManyField(
        "blog.Post",
        through="PostMedia",
        related_name="media_items",
        blank=True,
        verbose_name=_("posts"),
    )

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("media item")
        verbose_name_plural = _("media items")

    def __str__(self) -> str:
        return self.title or self.file.name.rsplit("/", 1)[-1]

    def reference(self) -> str:
        """The stable reference authors put in post bodies."""
        return f"media:{self.pk}"

    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE

    def thumbnail_url(self) -> str:
        """The smallest rendition's address (WebP first), the file's until there is one."""
        if not self.is_image():
            return ""
        renditions = sorted(self.renditions.all(), key=lambda r: (r.width, r.format != "webp"))
        return (renditions[0].file if renditions else self.file).url


class PostMedia(models.Model):
    """Which posts use an item; at most one featured item per post."""

    post = models.ForeignKey(
        "blog.Post", on_delete=models.CASCADE, related_name="post_media", verbose_name=_("post")
    )
    item = models.ForeignKey(MediaItem, on_delete=models.CASCADE, verbose_name=_("media item"))
    featured = models.BooleanField(_("featured"), default=False)

    class Meta:
        verbose_name = _("media of a post")
        verbose_name_plural = _("media of posts")
        constraints = [
            models.UniqueConstraint(fields=["post", "item"], name="media_postmedia_once"),
            models.UniqueConstraint(
                fields=["post"], condition=Q(featured=True), name="media_postmedia_one_featured"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post}: {self.item}"


class Rendition(models.Model):
    """A resized copy of an image, made once by the task queue."""

    item = models.ForeignKey(
        MediaItem, on_delete=models.CASCADE, related_name="renditions", verbose_name=_("media item")
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    format = models.CharField(_("format"), max_length=8)
    file = models.FileField(_("file"), max_length=255)

    class Meta:
        ordering = ["item", "width", "format"]
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "width", "format"], name="media_rendition_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.width}w {self.format}"
