from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blog.models import Category, Post, Tag


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "is_published", "published_at", "category", "author"]
    list_filter = ["status", "published_at", "category"]
    list_select_related = ["category", "author"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "category"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body_format", "body", "excerpt"]}),
        (_("Publishing"), {"fields": ["status", "published_at", "author", "category", "tags"]}),
        (_("Discussion"), {"fields": ["comments_enabled", "pings_enabled", "ping_urls"]}),
    ]

    def get_changeform_initial_data(self, request) -> dict:
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    @admin.display(boolean=True, description=_("visible to readers"))
    def is_published(self, post: Post) -> bool:
        return post.is_published()

    @admin.action(permissions=["change"], description=_("Publish selected posts"))
    def publish(self, request, queryset) -> None:
        updated = 0
        for post in queryset.exclude(status=Post.Status.PUBLISHED):
            post.status = Post.Status.PUBLISHED
            post.save()
            updated += 1
        self.message_user(
            request,
            ngettext("%d post published.", "%d posts published.", updated) % updated,
            messages.SUCCESS,
        )

    @admin.action(permissions=["change"], description=_("Unpublish selected posts"))
    def unpublish(self, request, queryset) -> None:
        updated = queryset.filter(status=Post.Status.PUBLISHED).update(
            status=Post.Status.DRAFT, updated_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext("%d post moved back to drafts.", "%d posts moved back to drafts.", updated)
            % updated,
            messages.SUCCESS,
        )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
