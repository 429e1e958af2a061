from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blog.models import Category, Post, Tag
from blog.signals import content_changed


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
        (None, {"fields": ["title", "slug", "body_format", "body", "excerpt"]}),
        (_("Publishing"), {"fields": ["status", "published_at", "author", "category", "tags"]}),
        (
            _("Discussion"),
            {
                "classes": ["collapse"],
                "fields": ["comments_enabled", "pings_enabled", "ping_urls"],
            },
        ),
    ]

    def get_changeform_initial_data(self, request) -> dict:
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

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
            post.status = Post.Status.PUBLISHED
            post.save(update_fields=["status", "updated_at"])
            updated += 1
            scheduled += post.published_at > timezone.now()
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
        updated = queryset.filter(status=Post.Status.PUBLISHED).update(
            status=Post.Status.DRAFT, updated_at=timezone.now()
        )
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
