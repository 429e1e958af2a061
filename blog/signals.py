"""The signals blog sends: what other apps may learn of posts without blog knowing them.

`content_changed`
    Something readers see changed: a post, category or tag was saved or
    deleted, a post's tags or its author's name changed, posts were changed in
    bulk (the admin's unpublish action, an import), or the discussion readers
    see on some posts changed (`PostQuerySet.raise_discussion_revision()`).
    Sent with `post_ids`: the posts concerned, or an empty tuple when the
    change may show anywhere, and `discussion_only=True` when only the
    comments or pings of those posts changed (nothing else on any page).
    Sent at once, inside the change's transaction when there is one. The
    page cache (`pagecache`) listens to it.

Code that changes what readers see with `QuerySet.update()` or `bulk_create()`
(which send no model signals) sends `content_changed` itself.
"""

from django.dispatch import Signal

content_changed = Signal()
