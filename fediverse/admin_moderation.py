"""The admin for what arrives from the fediverse: blocks, followers, replies, reactions.

Replies themselves are comments and are moderated in the comment admin;
`RemoteReply` and `Reaction` are shown here read-only.
"""

from django.contrib import admin, messages
from django.db import models, transaction
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from fediverse import activities
from fediverse.inbox import send_accept
from fediverse.models import Block, Follower, Reaction, RemoteReply


class FediverseAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin(FediverseAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Block)
class BlockAdmin(FediverseAdmin):
    list_display = ["__str__", "actor_uri", "domain", "reason", "created_at"]
    search_fields = ["actor_uri", "domain", "reason"]
    fields = ["actor_uri", "domain", "reason"]


@admin.register(Follower)
class FollowerAdmin(FediverseAdmin):
    list_display = ["__str__", "name", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["actor_uri", "handle", "name"]
    readonly_fields = [
        "actor_uri",
        "inbox",
        "shared_inbox",
        "name",
        "handle",
        "status",
        "follow_activity_id",
        "created_at",
    ]
    actions = ["accept", "remove", "block"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(permissions=["change"], description=_("Accept the selected followers"))
    def accept(self, request, queryset):
        n = 0
        with transaction.atomic():
            for follower in queryset.filter(status=Follower.Status.PENDING):
                follower.status = Follower.Status.ACCEPTED
                follower.save(update_fields=["status"])
                follow = {
                    "id": follower.follow_activity_id,
                    "type": "Follow",
                    "actor": follower.actor_uri,
                    "object": activities.actor_id(),
                }
                send_accept(follower, follow)
                n += 1
        self.message_user(
            request,
            ngettext("%(n)d follower accepted.", "%(n)d followers accepted.", n) % {"n": n},
            messages.SUCCESS,
        )

    @admin.action(permissions=["delete"], description=_("Remove the selected followers"))
    def remove(self, request, queryset):
        n, _ = queryset.delete()
        self.message_user(
            request,
            ngettext("%(n)d follower removed.", "%(n)d followers removed.", n) % {"n": n},
            messages.SUCCESS,
        )

    @admin.action(
        permissions=["delete"], description=_("Block the selected followers and remove them")
    )
    def block(self, request, queryset):
        with transaction.atomic():
            uris = list(queryset.values_list("actor_uri", flat=True))
            Block.objects.bulk_create(
                [Block(actor_uri=uri, reason=gettext("Blocked as a follower")) for uri in uris]
            )
            queryset.delete()
        n = len(uris)
        self.message_user(
            request,
            ngettext("%(n)d follower blocked.", "%(n)d followers blocked.", n) % {"n": n},
            messages.SUCCESS,
        )


@admin.register(RemoteReply)
class RemoteReplyAdmin(ReadOnlyAdmin):
    list_display = ["object_id", "actor_name", "actor_url", "comment", "created_at"]
    search_fields = ["object_id", "actor_uri", "actor_name"]
    list_select_related = ["comment__post"]


@admin.register(Reaction)
class ReactionAdmin(ReadOnlyAdmin):
    list_display = ["post", "kind", "actor_uri", "created_at"]
    list_filter = ["kind"]
    search_fields = ["actor_uri", "activity_id"]
    list_select_related = ["post"]
