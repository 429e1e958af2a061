"""How the media library keeps posts right: links recorded, bodies rendered again.

Connected once, in `MediaConfig.ready()`:

- `blog.markup` resolves `media:<pk>` references in every body it renders
  (media/markup.py), and `blog.featured` asks media/featured.py for posts'
  featured images;
- a saved post's body references are recorded in PostMedia, so "the posts
  that use it" is right for every item;
- when an item's renditions are made, replaced or removed, or the item is
  edited or deleted, the stored bodies of the posts that use it are rendered
  again in the same transaction (which sends `blog.signals.content_changed`
  for those that changed, so their pages are made afresh).
"""

from django.db.models.signals import post_delete, post_save, pre_save

from blog import featured as blog_featured
from blog import markup as blog_markup
from blog.models import Post
from media import featured, markup
from media.models import MediaItem, Rendition


def remember_body(sender, instance: Post, raw: bool = False, **kwargs) -> None:
    """The body as stored before this save: references it loses are unlinked."""
    if raw or instance.pk is None or instance._state.adding:
        instance._media_body_before = ""
        return
    instance._media_body_before = (
        Post.objects.filter(pk=instance.pk).values_list("body", flat=True).first() or ""
    )


def post_saved(sender, instance: Post, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_media_body_before", "")
    if before != instance.body or "media:" in instance.body.lower():
        markup.link_post_media(instance, before=before)


def item_changed(sender, instance: MediaItem, raw: bool = False, **kwargs) -> None:
    if not raw:
        markup.rerender_posts_of(instance.pk)


def rendition_changed(sender, instance: Rendition, raw: bool = False, **kwargs) -> None:
    if not raw:
        markup.rerender_posts_of(instance.item_id)


def connect() -> None:
    blog_markup.register_body_transform(markup.resolve_references, schemes=[markup.SCHEME])
    blog_featured.register(featured.featured_images)
    pre_save.connect(remember_body, sender=Post, dispatch_uid="media-post-body-before")
    post_save.connect(post_saved, sender=Post, dispatch_uid="media-post-saved")
    post_save.connect(item_changed, sender=MediaItem, dispatch_uid="media-item-saved")
    post_delete.connect(item_changed, sender=MediaItem, dispatch_uid="media-item-deleted")
    post_save.connect(rendition_changed, sender=Rendition, dispatch_uid="media-rendition-saved")
    post_delete.connect(rendition_changed, sender=Rendition, dispatch_uid="media-rendition-gone")
