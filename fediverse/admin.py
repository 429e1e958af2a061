from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fediverse.models import Avatar, Delivery, Instance


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "attempts", "next_attempt_at", "sent_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["inbox", "last_error"]
    readonly_fields = [
        "inbox",
        "activity",
        "attempts",
        "status",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ["host", "last_ok_at", "failing_since"]
    search_fields = ["host"]
    readonly_fields = ["last_ok_at", "failing_since", "last_attempt_at"]
    actions = ["forget_failures"]

    @admin.action(permissions=["change"], description=_("Send to these instances again"))
    def forget_failures(self, request, queryset) -> None:
        queryset.update(failing_since=None)


@admin.register(Avatar)
class AvatarAdmin(admin.ModelAdmin):
    """The fediverse commenters' pictures Kiji serves (fediverse/avatars.py): look, or delete."""

    list_display = ["actor_uri", "shown", "fetched_at"]
    search_fields = ["actor_uri", "source_url"]
    fields = ["actor_uri", "source_url", "shown", "fetched_at"]
    readonly_fields = fields

    @admin.display(boolean=True, description=_("shown"))
    def shown(self, avatar: Avatar) -> bool:
        return bool(avatar.digest)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("image")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Followers, blocks, reactions and fediverse replies: fediverse/admin_moderation.py.
from fediverse import admin_moderation  # noqa: E402, F401
