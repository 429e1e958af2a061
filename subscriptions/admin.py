from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from subscriptions.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Who is mailed about what. Subscriptions come only from their owners (double opt-in)."""

    list_display = ["email", "kind", "post", "comment", "created_at", "confirmed"]
    list_filter = ["kind", ("confirmed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["post", "comment__post"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    fields = [
        "email",
        "kind",
        "post",
        "comment",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
    ]
    readonly_fields = fields

    @admin.display(boolean=True, description=_("confirmed"), ordering="confirmed_at")
    def confirmed(self, obj: Subscription) -> bool:
        return obj.is_confirmed

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
