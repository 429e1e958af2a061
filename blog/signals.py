"""Keep cached pages fresh: every saved or deleted thing a reader page shows.

Connected in `BlogConfig.ready()`. Bulk `QuerySet.update()` sends no signal;
code that uses it on posts calls `blog.pagecache.invalidate_pages()` itself
(the admin's unpublish action does).
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from blog.pagecache import invalidate_pages


def content_changed(sender, **kwargs) -> None:
    invalidate_pages()


def tags_changed(sender, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        invalidate_pages()


def user_changed(sender, update_fields=None, **kwargs) -> None:
    """Author names show on pages; a login (only `last_login` saved) changes nothing."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    invalidate_pages()


def connect() -> None:
    from blog.models import Category, Post, Tag

    for model in (Post, Category, Tag):
        post_save.connect(content_changed, sender=model, dispatch_uid=f"pagecache-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-del-{model}")
    m2m_changed.connect(tags_changed, sender=Post.tags.through, dispatch_uid="pagecache-tags")
    user = get_user_model()
    post_save.connect(user_changed, sender=user, dispatch_uid="pagecache-user")
    post_delete.connect(content_changed, sender=user, dispatch_uid="pagecache-user-del")
