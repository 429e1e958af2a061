"""The pages of a post's comment thread: one rule for the page a request shows.

`comment_section` renders the page this rule picks, and the post page
(through `blog.discussion.register_pages`) redirects any other spelling of
`?page=` to it, so the two can never disagree.
"""

from django.conf import settings
from django.core.paginator import Page, Paginator

from comments.models import Comment


def approved_total(post) -> int:
    """How many approved comments `post` has: its `comment_count` annotation when it has one."""
    total = getattr(post, "comment_count", None)
    if total is None:
        total = Comment.objects.public().filter(post=post).count()
    return total


def thread_page(total: int, asked: str | None) -> Page:
    """The page of a thread of `total` approved comments that `?page=asked` shows.

    Django's paginator reads `asked`: a value that is not a whole number
    shows the first page, a number out of range the last.
    """
    return Paginator(range(total), settings.KIJI_COMMENTS_PER_PAGE).get_page(asked)


def page_shown(post, asked: str | None) -> int:
    """The number of the page of `post`'s comments that `?page=asked` shows."""
    return thread_page(approved_total(post), asked).number
