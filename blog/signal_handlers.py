"""Turn saves and deletes of what reader pages show into `blog.signals.content_changed`.

Connected once, in `BlogConfig.ready()`.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from blog.models import Category, Post, Tag
from blog.signals import content_changed


def post_saved_or_deleted(sender, instance: Post, **kwargs) -> None:
    content_changed.send(sender=Post, post_ids=(instance.pk,))


def shown_on_every_page(sender, **kwargs) -> None:
    """Categories and tags (the sidebar, archives), and authors' names."""
    content_changed.send(sender=sender, post_ids=())


def tags_changed(sender, instance, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        content_changed.send(sender=Post, post_ids=())


def user_saved(sender, update_fields=None, **kwargs) -> None:
    """Author names show on pages; a login (only `last_login` saved) changes nothing."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    content_changed.send(sender=sender, post_ids=())


def connect() -> None:
    post_save.connect(post_saved_or_deleted, sender=Post, dispatch_uid="blog-post-saved")
    post_delete.connect(post_saved_or_deleted, sender=Post, dispatch_uid="blog-post-deleted")
    for model in (Category, Tag):
        post_save.connect(shown_on_every_page, sender=model, dispatch_uid=f"blog-saved-{model}")
        post_delete.connect(shown_on_every_page, sender=model, dispatch_uid=f"blog-del-{model}")
    m2m_changed.connect(tags_changed, sender=Post.tags.through, dispatch_uid="blog-tags")
    user = get_user_model()
    post_save.connect(user_saved, sender=user, dispatch_uid="blog-user-saved")
    post_delete.connect(shown_on_every_page, sender=user, dispatch_uid="blog-user-deleted")
