from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fediverse.models import Delivery, Instance


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


# Followers, blocks, reactions and fediverse replies: fediverse/admin_moderation.py.
from fediverse import admin_moderation  # noqa: E402, F401
