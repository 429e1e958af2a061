"""Featured images: the item marked featured for a post, else the first picture its body shows.

Registered with `blog.featured` in `MediaConfig.ready()`; link previews
(OpenGraph, Twitter cards) and feed enclosures use it. A whole page of posts
costs at most three queries: the featured links, the items, their renditions.
The picture given is the original format's rendition closest to (not wider
than) 1280 pixels, the size link previews ask for, else the file itself;
URLs are absolute (`KIJI_SITE_URL`), as feed readers and other sites need.
"""

from collections.abc import Sequence
from urllib.parse import urljoin

from django.conf import settings

from blog.featured import FeaturedImage
from media import markup
from media.models import MediaItem, PostMedia

# References read from a body when looking for its first picture.
FIRST_REFERENCES = 10


def absolute(url: str) -> str:
    """`url` made absolute on the site's address (a storage on another host gives one already)."""
    return urljoin(settings.KIJI_SITE_URL.rstrip("/") + "/", url)


def featured_images(posts: Sequence) -> dict[int, FeaturedImage]:
    pks = [post.pk for post in posts]
    chosen = dict(
        PostMedia.objects.filter(post__in=pks, featured=True).values_list("post_id", "item_id")
    )
    # The featured item first; its body's pictures after it (a featured document shows none).
    candidates = {
        post.pk: [pk for pk in [chosen.get(post.pk)] if pk]
        + markup.references(post.body)[:FIRST_REFERENCES]
        for post in posts
    }
    wanted = {pk for refs in candidates.values() for pk in refs}
    if not wanted:
        return {}
    items = {
        item.pk: item
        for item in MediaItem.objects.filter(
            pk__in=wanted, kind=MediaItem.Kind.IMAGE
        ).prefetch_related("renditions")
    }
    found = {}
    for post_pk, refs in candidates.items():
        item = next((items[pk] for pk in refs if pk in items), None)
        if item is not None:
            found[post_pk] = image_of(item)
    return found


def image_of(item: MediaItem) -> FeaturedImage:
    own = markup.own_format(item)
    candidates = {r.width: r for r in item.renditions.all() if r.format == own}
    fitting = [w for w in candidates if w <= markup.FALLBACK_WIDTH]
    if fitting:
        chosen = candidates[max(fitting)]
        file, width, height = chosen.file, chosen.width, chosen.height
        mime_type = markup.MIME_TYPES[own]
    else:
        file, width, height, mime_type = item.file, item.width, item.height, item.content_type
    return FeaturedImage(
        url=absolute(file.url),
        width=width,
        height=height,
        alt=item.alt,
        mime_type=mime_type,
        size=lambda: _size(file),
    )


def _size(file) -> int:
    try:
        return file.size
    except (OSError, ValueError):  # gone from the storage: an enclosure of unknown length
        return 0
