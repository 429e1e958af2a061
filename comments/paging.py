"""The pages of a post's comments: whole threads, and one rule for the page a request shows.

A page holds `KIJI_COMMENTS_PER_PAGE` threads (a top-level comment with all
its replies), oldest thread first. `comment_section` renders the page this
rule picks, and the post page (through `blog.discussion.register_pages`)
redirects any other spelling of `?page=` to it, so the two can never disagree.
`arrange_threads` puts a page's comments in reading order, replies under what
they answer, with a "removed" place for a comment readers no longer see.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator

from comments.models import Comment


def approved_total(post) -> int:
    """How many approved comments `post` has: its `comment_count` annotation when it has one."""
    total = getattr(post, "comment_count", None)
    if total is None:
        total = Comment.objects.public().filter(post=post).count()
    return total


def approved_threads(post) -> int:
    """How many threads with approved comments `post` has (`comment_thread_count` if given)."""
    threads = getattr(post, "comment_thread_count", None)
    if threads is None:
        threads = Comment.objects.public().filter(post=post).thread_keys().count()
    return threads


def thread_page(threads: int, asked: str | None) -> Page:
    """The page of `threads` threads that `?page=asked` shows.

    Django's paginator reads `asked`: a value that is not a whole number
    shows the first page, a number out of range the last.
    """
    return Paginator(range(threads), settings.KIJI_COMMENTS_PER_PAGE).get_page(asked)


def page_shown(post, asked: str | None) -> int:
    """The number of the page of `post`'s comments that `?page=asked` shows."""
    return thread_page(approved_threads(post), asked).number


@dataclass
class RemovedComment:
    """The place of a comment readers no longer see, kept so that its replies read in context."""

    pk: int
    depth: int
    thread_id: int
    status: str = "removed"
    parent_id: None = None
    author_name: str = ""
    author_url: str = ""
    text_html: str = ""
    created_at: None = None
    written_by_author: bool = False
    replyable: bool = False
    reply_url: str = ""
    css_class: str = "comment comment-removed"

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


def arrange_threads(comments: list, thread_ids: list[int]) -> list:
    """`comments` of the threads `thread_ids`, in reading order: each reply after its parent.

    `comments` come oldest first. A reply whose parent is not among them (the
    parent was rejected, marked spam or deleted) goes under a `RemovedComment`
    in the parent's place; the thread's removed first comment keeps the top.
    """
    nodes: dict[int, object] = {c.pk: c for c in comments}
    children: dict[int, list] = defaultdict(list)

    def place_of_removed(pk: int, depth: int, thread_id: int) -> int:
        if pk not in nodes:
            nodes[pk] = RemovedComment(pk=pk, depth=depth, thread_id=thread_id)
            if pk != thread_id:
                children[place_of_removed(thread_id, 0, thread_id)].append(nodes[pk])
        return pk

    for comment in comments:
        if comment.pk == comment.thread_id:
            continue
        if comment.parent_id in nodes:
            children[comment.parent_id].append(comment)
        elif comment.parent_id is not None:
            parent = place_of_removed(comment.parent_id, comment.depth - 1, comment.thread_id)
            children[parent].append(comment)
        else:  # its parent was deleted: under the thread's first comment
            children[place_of_removed(comment.thread_id, 0, comment.thread_id)].append(comment)

    arranged = []

    def visit(node) -> None:
        arranged.append(node)
        for child in children.get(node.pk, ()):
            visit(child)

    for thread_id in thread_ids:
        if thread_id in nodes:
            visit(nodes[thread_id])
    return arranged
