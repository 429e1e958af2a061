from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from blog import markup
from blog.models import Category, Post, Tag
from blog.signals import content_changed


def character_count(text: str) -> int:
    """Characters in a body as written: code points, line breaks not counted.

    日本語 counts 3 (not the 9 bytes of its UTF-8). Line breaks are left out
    because a browser sends them as CR LF and edits them as LF. The editor's
    script (blog/static/blog/editor.js) counts the same way.
    """
    return sum(1 for char in text if char not in "\r\n")


class PostAdminForm(forms.ModelForm):
    """The post editor's form; the "Preview" button (`_preview`) saves nothing."""

    def is_previewing(self) -> bool:
        return self.is_bound and "_preview" in self.data

    def is_valid(self) -> bool:
        """A preview shows the form again with what was written, checked but not saved."""
        return super().is_valid() and not self.is_previewing()

    def body_preview(self) -> SafeString:
        """The body as the post's page would show it (the sanitised markup)."""
        body = self["body"].value() or ""
        body_format = self["body_format"].value() or Post.Format.MARKDOWN
        return mark_safe(markup.render_body(body, body_format))  # sanitised by render_body

    def body_character_count(self) -> int:
        return character_count(self["body"].value() or "")


class VisibilityFilter(admin.SimpleListFilter):
    """What readers see of a post: live, scheduled for later, or a draft."""

    title = _("visibility")
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [
            ("live", _("Live")),
            ("scheduled", _("Scheduled")),
            ("draft", _("Draft")),
        ]

    def queryset(self, request, queryset):
        published = queryset.model.objects.published()
        if self.value() == "live":
            return queryset.filter(pk__in=published)
        if self.value() == "scheduled":
            return queryset.filter(status=Post.Status.PUBLISHED).exclude(pk__in=published)
        if self.value() == "draft":
            return queryset.filter(status=Post.Status.DRAFT)
        return queryset


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = [
        "title",
        "status",
        "is_published",
        "published_at",
        "category",
        "author",
        "link_on_site",
    ]
    list_filter = [VisibilityFilter, "status", "published_at", "category", "author"]
    list_select_related = ["category", "author"]
    search_fields = ["title", "slug", "body", "excerpt"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "category"]
    actions = ["publish", "unpublish"]
    save_on_top = True
    fieldsets = [
        # The body ends the first fieldset: the character count and the preview follow it
        # (templates/admin/blog/post/change_form.html).
        (None, {"fields": ["title", "slug", "body_format", "body"]}),
        (
            _("Publishing"),
            {"fields": ["status", "published_at", "author", "category", "tags", "excerpt"]},
        ),
        (
            _("Discussion"),
            {
                "classes": ["collapse"],
                "fields": ["comments_enabled", "pings_enabled", "ping_urls"],
            },
        ),
    ]

    class Media:
        css = {"all": ["blog/editor.css"]}
        js = ["blog/editor.js"]

    def get_urls(self) -> list:
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", preview, name="blog_post_preview"), *super().get_urls()]

    def get_changeform_initial_data(self, request) -> dict:
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj: Post, form, change: bool) -> None:
        if obj.status == Post.Status.PUBLISHED:
            obj.publish(keep_date="published_at" in form.changed_data)
        super().save_model(request, obj, form, change)

    @method_decorator(require_POST)
    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The body, rendered as the post's page renders it: an HTML fragment for the editor.

        POST with the CSRF token, `body` and `body_format`; for staff who may add or
        change posts (`admin_view` checks staff and CSRF).
        """
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        body_format = request.POST.get("body_format", Post.Format.MARKDOWN)
        if body_format not in Post.Format.values:
            return HttpResponseBadRequest("Unknown body format.")
        return HttpResponse(markup.render_body(request.POST.get("body", ""), body_format))

    @admin.display(boolean=True, description=_("visible to readers"))
    def is_published(self, post: Post) -> bool:
        return post.is_published()

    @admin.display(description=_("on the site"))
    def link_on_site(self, post: Post) -> str:
        label = _("View") if post.is_published() else _("Preview")
        return format_html('<a href="{}">{}</a>', post.get_absolute_url(), label)

    @admin.action(permissions=["change"], description=_("Publish selected posts"))
    def publish(self, request, queryset) -> None:
        updated = scheduled = 0
        for post in queryset.exclude(status=Post.Status.PUBLISHED):
            post.publish()
            post.save(update_fields=["status", "published_at", "updated_at"])
            updated += 1
            scheduled += post.is_scheduled()
        self.message_user(
            request,
            ngettext("%d post published.", "%d posts published.", updated) % updated,
            messages.SUCCESS,
        )
        if scheduled:
            self.message_user(
                request,
                ngettext(
                    "%d of them has a future publish date: readers see it from then on.",
                    "%d of them have a future publish date: readers see them from then on.",
                    scheduled,
                )
                % scheduled,
                messages.WARNING,
            )

    @admin.action(permissions=["change"], description=_("Unpublish selected posts"))
    def unpublish(self, request, queryset) -> None:
        updated = queryset.unpublish()
        content_changed.send(sender=Post, post_ids=tuple(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d post moved back to drafts.", "%d posts moved back to drafts.", updated)
            % updated,
            messages.SUCCESS,
        )


class PostCountAdmin(admin.ModelAdmin):
    """Categories and tags: listed with how many posts readers see in each."""

    list_display = ["name", "slug", "published_posts"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(published_posts=Count("posts", filter=Q(posts__in=Post.objects.published())))
        )

    @admin.display(description=_("published posts"), ordering="published_posts")
    def published_posts(self, obj) -> int:
        return obj.published_posts


@admin.register(Category)
class CategoryAdmin(PostCountAdmin):
    search_fields = ["name", "slug", "description"]


@admin.register(Tag)
class TagAdmin(PostCountAdmin):
    pass
