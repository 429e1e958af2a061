from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blog.models import Post
from moderation.admin import ModerationAdminMixin
from trackbacks import protocol
from trackbacks.models import OutgoingPing, Trackback
from trackbacks.verification import redecode_linkback, unpack_page


def _queue_sending(post_ids) -> None:
    from trackbacks.tasks import send_post_pings

    for post_id in set(post_ids):
        transaction.on_commit(lambda post_id=post_id: send_post_pings.enqueue(post_id))


def ping_outcomes_table(post: Post) -> str:
    """The outcome of each ping the post sent, for the post's admin page (one query)."""
    pings = list(post.outgoing_pings.all())
    if not pings:
        return _("No pings yet: they are sent in the background once the post is published.")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                ping.target_url,
                ping.get_kind_display() or "-",
                ping.get_status_display(),
                ping.attempts,
                ping.message or "-",
                date_format(
                    timezone.localtime(ping.sent_at or ping.next_attempt_at), "DATETIME_FORMAT"
                )
                if (ping.sent_at or ping.next_attempt_at)
                else "-",
            )
            for ping in pings
        ),
    )
    return format_html(
        '<table class="ping-outcomes"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
        "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        _("target"),
        _("protocol"),
        _("status"),
        _("attempts"),
        _("last message"),
        _("sent / next attempt"),
        rows,
    )


class UnreadTextFilter(admin.SimpleListFilter):
    title = _("text")
    parameter_name = "unread"

    def lookups(self, request, model_admin):
        return [("yes", _("could not be read"))]

    def queryset(self, request, queryset):
        return queryset.filter(undecoded__isnull=False) if self.value() == "yes" else queryset


@admin.register(Trackback)
class TrackbackAdmin(ModerationAdminMixin, admin.ModelAdmin):
    """Received pings, on the same moderation desk as comments."""

    list_display = [
        "title",
        "kind",
        "blog_name",
        "source",
        "post_link",
        "verification",
        *ModerationAdminMixin.moderation_list_display,
    ]
    list_filter = [*ModerationAdminMixin.list_filter, UnreadTextFilter, "kind", "verification"]
    search_fields = ["title", "url", "blog_name", "excerpt", "=ip_address"]
    readonly_fields = [
        "post",
        "kind",
        "url",
        "target_url",
        "charset",
        "decoding_problem",
        "bytes_as_received",
        "verification",
        "verified_at",
        *ModerationAdminMixin.moderation_readonly_fields,
    ]
    fieldsets = [
        (None, {"fields": ["post", "kind", "status", "title", "excerpt", "blog_name"]}),
        (_("Source"), {"fields": ["url", "target_url", "verification", "verified_at", "charset"]}),
        (_("Text as received"), {"fields": ["decoding_problem", "bytes_as_received"]}),
        (_("Moderation"), {"fields": ModerationAdminMixin.moderation_readonly_fields}),
    ]
    actions = [*ModerationAdminMixin.actions, "read_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.undecoded:
            fieldsets = [f for f in fieldsets if "decoding_problem" not in f[1]["fields"]]
        return fieldsets

    @admin.display(description=_("bytes as received"))
    def bytes_as_received(self, obj: Trackback) -> str:
        """Each kept field's bytes, with those outside ASCII written as \\xNN."""
        packed = bytes(obj.undecoded or b"")
        fields = protocol.unpack_trackback_text(packed)
        if fields is None:
            page = unpack_page(packed)
            fields = {_("source page"): page[0]} if page else {"": packed}
        rows = [
            (name, raw[:600].decode("ascii", "backslashreplace"), "…" if len(raw) > 600 else "")
            for name, raw in fields.items()
            if raw
        ]
        return format_html_join("", "<div>{}: <code>{}</code>{}</div>", rows)

    def save_model(self, request, obj: Trackback, form, change) -> None:
        if change and obj.undecoded and {"title", "excerpt", "blog_name"} & set(form.changed_data):
            # The author has read the text and written it down: that is now the text.
            obj.undecoded, obj.decoding_problem = None, ""
        super().save_model(request, obj, form, change)

    @admin.action(permissions=["change"], description=_("Read the text again"))
    def read_again(self, request, queryset) -> None:
        held = queryset.filter(undecoded__isnull=False).select_related("post")
        read = sum(1 for item in held if redecode_linkback(item=item))
        self.message_user(
            request,
            _("%(read)d of %(held)d pings with unread text could be read now.")
            % {"read": read, "held": len(held)},
        )

    @admin.display(description=_("source"))
    def source(self, obj: Trackback) -> str:
        return format_html(
            '<a href="{}" rel="nofollow noopener noreferrer">{}</a>',
            obj.url,
            Truncator(obj.url).chars(50),
        )

    @admin.display(description=_("post"), ordering="post__published_at")
    def post_link(self, obj: Trackback) -> str:
        return format_html('<a href="?post={}">{}</a>', obj.post_id, obj.post.title)


@admin.register(OutgoingPing)
class OutgoingPingAdmin(admin.ModelAdmin):
    list_display = [
        "target_url",
        "post",
        "kind",
        "status",
        "attempts",
        "sent_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "kind", "origin"]
    list_select_related = ["post"]
    search_fields = ["target_url", "endpoint_url", "post__title"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "post",
        "target_url",
        "origin",
        "kind",
        "endpoint_url",
        "status",
        "attempts",
        "message",
        "next_attempt_at",
        "sent_at",
        "created_at",
        "updated_at",
    ]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(permissions=["change"], description=_("Retry the selected failed pings now"))
    def retry_now(self, request, queryset) -> None:
        retry = queryset.filter(status__in=[OutgoingPing.Status.RETRY, OutgoingPing.Status.FAILED])
        post_ids = list(retry.values_list("post_id", flat=True))
        updated = retry.update(
            status=OutgoingPing.Status.WAITING,
            attempts=0,
            next_attempt_at=None,
            updated_at=timezone.now(),
        )
        _queue_sending(post_ids)
        self.message_user(
            request,
            ngettext("%d ping queued again.", "%d pings queued again.", updated) % updated,
            messages.SUCCESS,
        )


def _post_admin_with_pings():
    """Extend whichever admin is registered for Post (blog's, or another app's extension)."""
    base = type(admin.site.get_model_admin(Post))

    class PostAdmin(base):
        actions = [*(base.actions or []), "send_pings"]

        def get_readonly_fields(self, request, obj=None):
            return [*super().get_readonly_fields(request, obj), "ping_outcomes"]

        def get_fieldsets(self, request, obj=None):
            fieldsets = list(super().get_fieldsets(request, obj))
            if obj is not None:
                fieldsets.append((_("Pings sent"), {"fields": ["ping_outcomes"]}))
            return fieldsets

        @admin.display(description=_("pings sent for this post"))
        def ping_outcomes(self, post: Post) -> str:
            return ping_outcomes_table(post)

        @admin.action(permissions=["change"], description=_("Send pings for selected posts"))
        def send_pings(self, request, queryset) -> None:
            post_ids = list(
                queryset.filter(status=Post.Status.PUBLISHED).values_list("pk", flat=True)
            )
            _queue_sending(post_ids)
            self.message_user(
                request,
                ngettext("Pings queued for %d post.", "Pings queued for %d posts.", len(post_ids))
                % len(post_ids),
                messages.SUCCESS,
            )

    PostAdmin.__name__ = base.__name__
    PostAdmin.__module__ = __name__
    return PostAdmin


PostAdmin = _post_admin_with_pings()
admin.site.unregister(Post)
admin.site.register(Post, PostAdmin)
