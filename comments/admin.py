from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from comments.forms import AuthorReplyForm
from comments.models import Comment
from comments.services import ReplyRefused, approve_and_reply
from moderation.admin import ModerationAdminMixin
from moderation.models import Status
from moderation.privacy_admin import PersonalDataAdminMixin
from moderation.services import ApprovalRefused


@admin.register(Comment)
class CommentAdmin(PersonalDataAdminMixin, ModerationAdminMixin, admin.ModelAdmin):
    list_display = [
        "excerpt",
        "author_name",
        "author_email",
        "website",
        "post_link",
        "in_reply_to",
        *ModerationAdminMixin.moderation_list_display,
        "reply_link",
    ]
    list_display_links = ["excerpt"]
    list_select_related = [*ModerationAdminMixin.list_select_related, "parent"]
    actions = [*ModerationAdminMixin.actions, *PersonalDataAdminMixin.personal_data_actions]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ["author_name", "author_email", "text", "=ip_address"]
    readonly_fields = [
        "post",
        "rendered_text",
        "notify_on_approval",
        "in_reply_to",
        "replies_list",
        "written_by_author",
        *ModerationAdminMixin.moderation_readonly_fields,
    ]
    fieldsets = [
        (None, {"fields": ["post", "status", "rendered_text"]}),
        (_("Thread"), {"fields": ["in_reply_to", "replies_list", "written_by_author"]}),
        (_("Commenter"), {"fields": ["author_name", "author_email", "author_url"]}),
        (_("Text as sent"), {"fields": ["text"], "classes": ["collapse"]}),
        (
            _("Moderation"),
            {
                "fields": [
                    "status_reason",
                    "moderated_at",
                    "moderated_by",
                    "ip_address",
                    "created_at",
                    "notify_on_approval",
                ]
            },
        ),
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("comment"))
    def excerpt(self, obj: Comment) -> str:
        return Truncator(obj.summary).chars(80)

    @admin.display(description=_("website"))
    def website(self, obj: Comment) -> str:
        return Truncator(obj.author_url).chars(40)

    @admin.display(description=_("post"), ordering="post__published_at")
    def post_link(self, obj: Comment) -> str:
        return format_html('<a href="?post={}">{}</a>', obj.post_id, obj.post.title)

    @admin.display(description=_("comment as shown"))
    def rendered_text(self, obj: Comment) -> str:
        # text_html was sanitised by comments.markup when the comment was saved.
        return mark_safe(obj.text_html)

    @admin.display(description=_("in reply to"))
    def in_reply_to(self, obj: Comment) -> str:
        if obj.parent_id is None:
            return "-" if obj.depth == 0 else _("(a removed comment)")
        url = reverse("admin:comments_comment_change", args=[obj.parent_id])
        return format_html('<a href="{}">{}</a>', url, obj.parent.author_name)

    @admin.display(description=_("replies"))
    def replies_list(self, obj: Comment) -> str:
        replies = obj.replies.order_by("created_at", "id").only("id", "author_name", "status")
        links = [
            format_html(
                '<a href="{}">{}</a> ({})',
                reverse("admin:comments_comment_change", args=[reply.pk]),
                reply.author_name,
                reply.get_status_display(),
            )
            for reply in replies
        ]
        return mark_safe(", ".join(links)) if links else "-"

    @admin.display(description=_("reply"))
    def reply_link(self, obj: Comment) -> str:
        if obj.status == Status.PENDING:
            label = _("Approve and reply")
        elif obj.status == Status.APPROVED:
            label = _("Reply")
        else:
            return ""
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:comments_comment_reply", args=[obj.pk]),
            label,
        )

    def get_urls(self):
        reply = self.admin_site.admin_view(self.reply_view)
        return [
            path("<int:comment_id>/reply/", reply, name="comments_comment_reply"),
            *super().get_urls(),
        ]

    def reply_view(self, request, comment_id: int):
        """Answer a comment as the author; a pending one is approved in the same step."""
        comment = get_object_or_404(Comment.objects.select_related("post"), pk=comment_id)
        needs_approval = comment.status != Status.APPROVED
        if not request.user.has_perm("comments.add_comment") or (
            needs_approval and not self.has_change_permission(request, comment)
        ):
            raise PermissionDenied
        if comment.status not in (Status.PENDING, Status.APPROVED):
            self.message_user(
                request, _("Only pending or approved comments can be answered."), messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:comments_comment_changelist"))
        form = AuthorReplyForm(request.POST or None, post=comment.post)
        if request.method == "POST" and form.is_valid():
            try:
                reply = approve_and_reply(
                    comment=comment, user=request.user, text=form.cleaned_data["text"]
                )
            except (ReplyRefused, ApprovalRefused) as refusal:
                self.message_user(request, str(refusal) or _("Not sent."), messages.ERROR)
            else:
                self.message_user(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("Your reply is published."),
                        reply.get_absolute_url(),
                        _("View it on the site"),
                    ),
                )
                return HttpResponseRedirect(reverse("admin:comments_comment_changelist"))
        return TemplateResponse(
            request,
            "comments/admin/reply.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Approve and reply") if needs_approval else _("Reply"),
                "opts": self.model._meta,
                "comment": comment,
                "form": form,
            },
        )
