"""The media library's admin forms: several files at once, alt text required for images."""

from django import forms
from django.utils.translation import gettext_lazy as _

from blog.models import Post
from media.models import MediaItem
from media.services import MediaRefused, check_upload, read_upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django 5.2's "Uploading multiple files" field: a list of files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class MediaUploadForm(forms.ModelForm):
    """One or more files, with the alt text, caption and posts they share."""

    files = MultipleFileField(
        label=_("Files"),
        help_text=_(
            "JPEG, PNG, WebP, GIF or AVIF images, and PDF documents. Choose several at once."
        ),
    )
    posts = forms.ModelMultipleChoiceField(
        label=_("Posts"),
        queryset=Post.objects.order_by("-published_at"),
        required=False,
        help_text=_("The posts that use these files."),
    )

    class Meta:
        model = MediaItem
        fields = ["alt", "caption"]
        help_texts = {
            "alt": _(
                "What the picture shows, for readers who cannot see it. Required for images; "
                "with several files it is given to each, to change afterwards where needed."
            ),
        }

    def clean(self):
        cleaned = super().clean()
        files = cleaned.get("files") or []
        has_image = False
        for uploaded in files:
            try:
                checked = check_upload(uploaded.name, read_upload(uploaded))
            except MediaRefused as e:
                self.add_error("files", f"{uploaded.name}: {e}")
                continue
            has_image = has_image or checked.kind == MediaItem.Kind.IMAGE
        if has_image and not (cleaned.get("alt") or "").strip():
            self.add_error(
                "alt", _("Describe the picture in its alt text: it is required for images.")
            )
        return cleaned


class MediaItemForm(forms.ModelForm):
    """Editing one item: its words, not its file."""

    class Meta:
        model = MediaItem
        fields = ["title", "alt", "caption"]

    def clean_alt(self):
        alt = self.cleaned_data["alt"].strip()
        if self.instance.is_image() and not alt:
            raise forms.ValidationError(
                _("Describe the picture in its alt text: it is required for images.")
            )
        return alt
