"""The admin's moderation desk, shared by every moderated model.

Use it on the `ModelAdmin` of any `moderation.models.ModeratedItem`::

    @admin.register(Trackback)
    class TrackbackAdmin(ModerationAdminMixin, admin.ModelAdmin):
        list_display = ["title", "post", *ModerationAdminMixin.moderation_list_display]
        search_fields = ["title", "url", "excerpt", "=ip_address"]

It gives:

* a status filter that shows pending items unless another status (or "All")
  is chosen, plus a filter by post;
* bulk actions approve, reject, mark as spam, not spam (back to pending) and
  delete, each calling `moderation.services.moderate()` item by item;
* the moderation fields read-only (who, when, why), `list_select_related`
  for the post and the moderator, and no full-table COUNT
  (`show_full_result_count = False`) so the list stays fast at 100,000 rows;
* a status change made in the change form also goes through `moderate()`.

The number pending per registered model, and the newest pending items, show
on the admin index (the desk's dashboard, `desk/dashboard.py`).
"""

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blog.models import Post
from moderation.models import Status
from moderation.services import ApprovalRefused, moderate


class StatusFilter(admin.SimpleListFilter):
    """Pending by default: the desk opens on what needs a decision."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Status.choices, (self.ALL, _("All"))]

    def choices(self, changelist):
        current = self.value() or Status.PENDING
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or Status.PENDING
        if value == self.ALL:
            return queryset
        if value not in Status.values:
            return queryset.none()
        return queryset.filter(status=value)


class PostFilter(admin.SimpleListFilter):
    """Filter by post: the latest posts that have items, plus the one chosen (`?post=<id>`).

    Listing every post would make a long sidebar and a slow page on a big blog;
    the post column of the list links to this filter for any other post.
    """

    title = _("post")
    parameter_name = "post"
    LATEST = 15

    def lookups(self, request, model_admin):
        items = model_admin.model.objects.filter(post=OuterRef("pk"))
        posts = list(
            Post.objects.filter(Exists(items))
            .order_by("-published_at")
            .values_list("pk", "title")[: self.LATEST]
        )
        value = self.value()
        if value and value.isdigit() and int(value) not in {pk for pk, _ in posts}:
            chosen = Post.objects.filter(pk=value).values_list("pk", "title").first()
            posts += [chosen] if chosen else []
        return [(str(pk), title) for pk, title in posts]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(post_id=value) if value.isdigit() else queryset.none()


class ModerationAdminMixin:
    moderation_list_display = ["status", "reason", "ip_address", "created_at"]
    moderation_readonly_fields = [
        "ip_address",
        "created_at",
        "status_reason",
        "moderated_at",
        "moderated_by",
    ]
    list_filter = [StatusFilter, PostFilter]
    list_select_related = ["post", "moderated_by"]
    list_per_page = 50
    show_full_result_count = False
    # The status filter's choices are fixed; counting each would cost a query apiece.
    show_facets = admin.ShowFacets.NEVER
    ordering = ["-created_at", "-id"]
    actions = ["approve", "reject", "mark_spam", "mark_not_spam"]

    @admin.display(description=_("reason"))
    def reason(self, obj) -> str:
        return obj.status_reason

    def _moderate(self, request, queryset, status: str, reason: str = "") -> int:
        n = 0
        for item in queryset.select_related("post"):
            try:
                moderate(item, status=status, by=request.user, reason=reason)
            except ApprovalRefused as refusal:
                self.message_user(request, f"{item}: {refusal}", messages.WARNING)
                continue
            n += 1
        return n

    @admin.action(permissions=["change"], description=_("Approve selected"))
    def approve(self, request, queryset) -> None:
        n = self._moderate(request, queryset, Status.APPROVED)
        self.message_user(request, ngettext("%(n)d approved.", "%(n)d approved.", n) % {"n": n})

    @admin.action(permissions=["change"], description=_("Reject selected"))
    def reject(self, request, queryset) -> None:
        n = self._moderate(request, queryset, Status.REJECTED)
        self.message_user(request, ngettext("%(n)d rejected.", "%(n)d rejected.", n) % {"n": n})

    @admin.action(permissions=["change"], description=_("Mark selected as spam"))
    def mark_spam(self, request, queryset) -> None:
        n = self._moderate(request, queryset, Status.SPAM)
        self.message_user(
            request, ngettext("%(n)d marked as spam.", "%(n)d marked as spam.", n) % {"n": n}
        )

    @admin.action(permissions=["change"], description=_("Not spam: back to pending"))
    def mark_not_spam(self, request, queryset) -> None:
        reason = _("Marked as not spam by %(user)s") % {"user": request.user.get_username()}
        n = self._moderate(request, queryset, Status.PENDING, reason)
        self.message_user(
            request,
            ngettext("%(n)d back to pending.", "%(n)d back to pending.", n) % {"n": n},
        )

    def save_model(self, request, obj, form, change) -> None:
        if change and "status" in form.changed_data:
            status = obj.status
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            try:
                moderate(obj, status=status, by=request.user)
            except ApprovalRefused as refusal:
                self.message_user(request, _("Not approved: %s") % refusal, messages.WARNING)
        else:
            super().save_model(request, obj, form, change)
