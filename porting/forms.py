import uuid
import zoneinfo
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from porting.importer import check_old_permalink
from porting.models import ImportJob

ENCODINGS = [
    ("auto", _("Detect (UTF-8, EUC-JP, Shift_JIS or ISO-2022-JP)")),
    ("utf-8", "UTF-8"),
    ("euc-jp", _("EUC-JP (any variant: plain, Windows, eucJP-ms, JIS X 0213)")),
    ("shift_jis", "Shift_JIS (CP932)"),
    ("iso-2022-jp", _("ISO-2022-JP (any variant)")),
]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Export file"),
        help_text=_("A Movable Type / TypePad / cocolog export (.txt) or a WordPress WXR (.xml)."),
    )
    kind = forms.ChoiceField(label=_("Format"), choices=ImportJob.Kind.choices)
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=ENCODINGS,
        initial="auto",
        help_text=_("Movable Type exports only."),
    )
    timezone = forms.CharField(
        label=_("Time zone of the dates"), max_length=64, help_text=_("e.g. Asia/Tokyo")
    )
    author = forms.ModelChoiceField(
        label=_("Author of every post"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label=_("Match each entry's AUTHOR to a username (else the first superuser)"),
    )
    old_permalink = forms.CharField(
        label=_("Old permalink pattern"),
        max_length=200,
        required=False,
        help_text=_(
            "For 301 redirects from entries without a UNIQUE URL, e.g. "
            "/blog/{year}/{month}/{basename}.html. Empty: no redirects from basenames."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: read and check everything, keep nothing"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = settings.TIME_ZONE
        self.fields["old_permalink"].initial = settings.KIJI_IMPORT_OLD_PERMALINK

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.KIJI_IMPORT_MAX_UPLOAD_MB
        if upload.size > limit * 1024 * 1024:
            raise ValidationError(
                _("The file is larger than %(limit)s MB; import it with manage.py import_mt."),
                params={"limit": limit},
            )
        return upload

    def clean_timezone(self):
        name = self.cleaned_data["timezone"].strip()
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError(_("Unknown time zone, e.g. Asia/Tokyo.")) from None
        return name

    def clean_old_permalink(self):
        pattern = self.cleaned_data["old_permalink"].strip()
        try:
            return check_old_permalink(pattern)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def save(self, *, user) -> ImportJob:
        """Store the upload where the task can read it and create its job."""
        folder = Path(settings.KIJI_IMPORT_UPLOAD_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        upload = self.cleaned_data["file"]
        path = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix[:10]}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        data = self.cleaned_data
        return ImportJob.objects.create(
            kind=data["kind"],
            filename=upload.name[:255],
            upload_path=str(path),
            created_by=user,
            options={
                "encoding": data["encoding"],
                "timezone": data["timezone"],
                "author_id": data["author"].pk if data["author"] else None,
                "old_permalink": data["old_permalink"],
                "dry_run": data["dry_run"],
            },
        )
