from django.contrib import admin
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from comments.models import Comment
from moderation.admin import ModerationAdminMixin
from moderation.privacy_admin import PersonalDataAdminMixin


@admin.register(Comment)
class CommentAdmin(PersonalDataAdminMixin, ModerationAdminMixin, admin.ModelAdmin):
    list_display = [
        "excerpt",
        "author_name",
        "author_email",
        "website",
        "post_link",
        *ModerationAdminMixin.moderation_list_display,
    ]
    list_display_links = ["excerpt"]
    actions = [*ModerationAdminMixin.actions, *PersonalDataAdminMixin.personal_data_actions]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ["author_name", "author_email", "text", "=ip_address"]
    readonly_fields = [
        "post",
        "rendered_text",
        "notify_on_approval",
        *ModerationAdminMixin.moderation_readonly_fields,
    ]
    fieldsets = [
        (None, {"fields": ["post", "status", "rendered_text"]}),
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
