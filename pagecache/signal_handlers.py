"""What makes cached pages fresh: every change blog announces (`blog.signals.content_changed`).

Connected once, in `PageCacheConfig.ready()`. Kept markup of a post's
discussion needs nothing here: it is filed under the post's
`discussion_revision`, which the change raised.
"""

from blog import caching
from blog.signals import content_changed
from pagecache import fragments, pages


def content_changed_anywhere(sender, post_ids=(), discussion_only=False, **kwargs) -> None:
    pages.invalidate_pages(discussion_only=discussion_only)


def connect() -> None:
    content_changed.connect(content_changed_anywhere, dispatch_uid="pagecache-content-changed")
    # Blog's sidebar and the post page around its conversation are kept while only
    # comments and pings change, their markup per code version too.
    caching.install(
        remember=pages.remembered_for_this_generation,
        markup_version=fragments.markup_version,
        remember_page_markup=fragments.remembered_page_markup,
    )
