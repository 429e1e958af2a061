from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self) -> None:
        from blog import discussion
        from comments import forms, paging, signal_handlers, visitor
        from comments.models import Comment
        from comments.personal_data import comments_source
        from moderation import privacy, registry
        from pagecache import pages as pagecache

        # A remembered commenter's form is filled in for them: never a shared page.
        pagecache.register_personal_cookie(visitor.COOKIE_NAME)
        pagecache.register_fresh_value(forms.FORM_TOKEN_PLACEHOLDER, forms.fresh_form_token)
        discussion.register_count(
            "comment_count", Comment.objects.approved, summary_template="comments/_count.html"
        )
        discussion.register_count(
            "comment_thread_count", Comment.objects.approved, distinct="thread_id"
        )
        discussion.register_pages(paging.page_shown)
        registry.register(Comment, email_template="comments/email/new_comment.txt")
        privacy.register(comments_source())
        signal_handlers.connect()
