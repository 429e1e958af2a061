"""The media library in the admin: upload one or many files, search, a grid of thumbnails."""

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from media.forms import MediaItemForm, MediaUploadForm
from media.models import MediaItem, PostMedia
from media.services import MediaRefused, store_upload


class PostMediaInline(admin.TabularInline):
    model = PostMedia
    extra = 0
    autocomplete_fields = ["post"]
    verbose_name = _("post using this item")
    verbose_name_plural = _("posts using this item")


@admin.register(MediaItem)
class MediaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "alt", "uploaded_at"]
    list_filter = ["kind", "uploaded_at"]
    search_fields = ["title", "alt", "caption"]
    date_hierarchy = "uploaded_at"
    list_per_page = 60
    readonly_fields = ["preview", "file", "kind", "content_type", "width", "height", "uploaded_at"]
    inlines = [PostMediaInline]

    class Media:
        css = {"all": ["media/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("renditions")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = MediaItemForm if obj else MediaUploadForm
        kwargs["fields"] = None
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["files", "alt", "caption", "posts"]})]
        return [
            (None, {"fields": ["preview", "title", "alt", "caption"]}),
            (_("File"), {"fields": ["file", "kind", "content_type", "width", "height"]}),
            (_("Uploaded"), {"fields": ["uploaded_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    @admin.display(description=_("Preview"))
    def preview(self, obj: MediaItem):
        if obj.is_image():
            return format_html(
                '<img class="media-preview" src="{}" alt="{}">', obj.thumbnail_url(), obj.alt
            )
        return format_html('<a href="{}" download>{}</a>', obj.file.url, obj.title)

    def save_form(self, request: HttpRequest, form, change: bool):
        if change:
            return super().save_form(request, form, change)
        items = []
        with transaction.atomic():
            for uploaded in form.cleaned_data["files"]:
                try:
                    items.append(
                        store_upload(
                            uploaded,
                            alt=form.cleaned_data["alt"],
                            caption=form.cleaned_data["caption"],
                            user=request.user,
                        )
                    )
                except MediaRefused as e:
                    messages.error(request, f"{uploaded.name}: {e}")
        request.media_items = items
        return items[0] if items else MediaItem()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change:
            return super().save_related(request, form, formsets, change)
        for item in request.media_items:
            PostMedia.objects.bulk_create(
                [PostMedia(post=post, item=item) for post in form.cleaned_data["posts"]],
                ignore_conflicts=True,
            )

    def log_addition(self, request, obj, message):
        for item in getattr(request, "media_items", [obj]):
            super().log_addition(request, item, message)

    def response_add(self, request, obj, post_url_continue=None):
        items = request.media_items
        if len(items) == 1:
            return super().response_add(request, obj, post_url_continue)
        if items:
            self.message_user(
                request,
                ngettext(
                    "%(count)d file was added to the library.",
                    "%(count)d files were added to the library.",
                    len(items),
                )
                % {"count": len(items)},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:media_mediaitem_changelist"))
