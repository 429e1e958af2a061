"""How the app that keeps pictures gives posts their featured image.

`blog` imports nothing from the media library. The library registers, in its
`AppConfig.ready()`, a function that finds the featured image of each post of
a list in a fixed number of queries (`register`); the post page's link preview
(OpenGraph and Twitter cards, `{% featured_image post %}`) and the feeds'
enclosures ask through `featured_images()`. Without a registered finder,
posts have none.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeaturedImage:
    """A picture standing for a post, with absolute URLs (link previews, feed readers)."""

    url: str
    width: int | None
    height: int | None
    alt: str
    mime_type: str
    # The file's size in bytes (an RSS enclosure's `length`), read from the storage
    # only when asked: the post page's tags do not need it.
    size: Callable[[], int] = field(default=lambda: 0, compare=False, repr=False)


_finder: Callable[[Sequence], dict[int, FeaturedImage]] | None = None


def register(finder: Callable[[Sequence], dict[int, FeaturedImage]]) -> None:
    """Register `finder(posts)`: the featured image of each post, by pk, in fixed queries.

    Posts without one are left out. `posts` have their `body` loaded.
    """
    global _finder
    _finder = finder


def featured_images(posts: Sequence) -> dict[int, FeaturedImage]:
    """The featured image of each of `posts` that has one, by post pk."""
    if _finder is None or not posts:
        return {}
    return _finder(posts)


def featured_image(post) -> FeaturedImage | None:
    return featured_images([post]).get(post.pk)
