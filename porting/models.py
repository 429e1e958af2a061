import hashlib

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from blog.models import Post


class ImportedEntryQuerySet(models.QuerySet):
    def post_ids_by_key(self) -> dict[str, int]:
        """Every recorded source key, mapped to its post's id (one query)."""
        return dict(self.values_list("source_key", "post_id"))


class ImportedEntry(models.Model):
    """Which entry of an export a post came from, so that importing again changes nothing."""

    post = models.OneToOneField(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="imported_entry"
    )
    source_key = models.CharField(_("source key"), max_length=64, unique=True, editable=False)
    source = models.CharField(
        _("source"),
        max_length=500,
        help_text=_(
            "The entry's identity in the export: its old URL, basename, or date and title."
        ),
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    objects = ImportedEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("imported entry")
        verbose_name_plural = _("imported entries")

    def __str__(self) -> str:
        return self.source

    @staticmethod
    def key_for(source: str) -> str:
        return hashlib.sha256(source.encode()).hexdigest()


class OldPath(models.Model):
    """A post's permalink path on the blog it came from, answered with a 301 to its new one."""

    path = models.CharField(_("old path"), max_length=500, unique=True)
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="old_paths"
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("old path")
        verbose_name_plural = _("old paths")

    def __str__(self) -> str:
        return self.path


class ImportJob(models.Model):
    """An import started from the admin: its options, progress and final report."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Finished with failures")

    class Kind(models.TextChoices):
        MT = "mt", _("Movable Type / TypePad / cocolog")
        WXR = "wxr", _("WordPress (WXR)")

    kind = models.CharField(_("format"), max_length=10, choices=Kind.choices, default=Kind.MT)
    filename = models.CharField(_("file"), max_length=255)
    upload_path = models.CharField(max_length=500, editable=False)
    options = models.JSONField(_("options"), default=dict, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("entries in the file"), default=0)
    done = models.PositiveIntegerField(_("entries done"), default=0)
    report = models.TextField(_("report"), blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("admin:porting_importjob_change", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0
