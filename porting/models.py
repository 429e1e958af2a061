import hashlib

from django.db import models
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
