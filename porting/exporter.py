"""The whole blog as Movable Type entries, one post at a time.

`blog_entries()` turns posts, with their approved comments and pings, into
`mt_entries.Entry` objects while reading the database in chunks, so
exporting a large blog needs memory for one chunk, not for the blog.
Dates are written to the second, as the format holds them. The format has
no threads: a post's comments come out flat, in date order, replies too.
"""

from collections.abc import Iterator
from datetime import tzinfo

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from blog.models import Post
from comments.models import Comment
from porting import mt_entries
from porting.mt_entries import Entry
from trackbacks.models import Trackback

CHUNK = 500


def post_entry(post: Post, tz: tzinfo) -> Entry:
    """One post as an MT entry (dates naive in `tz`, as the format wants)."""
    category = post.category.name if post.category else ""
    return Entry(
        title=post.title,
        author=post.author.get_username(),
        basename=post.slug,
        unique_url=settings.KIJI_SITE_URL.rstrip("/") + post.get_absolute_url(),
        status="publish" if post.status == Post.Status.PUBLISHED else "draft",
        allow_comments=post.comments_enabled,
        allow_pings=post.pings_enabled,
        convert_breaks="markdown" if post.body_format == Post.Format.MARKDOWN else "0",
        primary_category=category,
        categories=[category] if category else [],
        tags=[tag.name for tag in post.tags.all()],
        date=_local(post.published_at, tz),
        body=post.body,
        excerpt=post.excerpt,
        comments=[
            mt_entries.Comment(
                author=comment.author_name,
                email=comment.author_email,
                url=comment.author_url,
                ip=comment.ip_address or "",
                date=_local(comment.created_at, tz),
                text=comment.text,
            )
            for comment in post.approved_comments
        ],
        pings=[
            mt_entries.Ping(
                title=ping.title,
                url=ping.url,
                ip=ping.ip_address or "",
                blog_name=ping.blog_name,
                date=_local(ping.created_at, tz),
                excerpt=ping.excerpt,
            )
            for ping in post.approved_pings
        ],
    )


def _local(moment, tz: tzinfo):
    return timezone.localtime(moment, tz).replace(tzinfo=None, microsecond=0)


def blog_entries(tz: tzinfo) -> Iterator[Entry]:
    """Every post, drafts included, oldest first, with its approved comments and pings."""
    for _, entry in numbered_entries(tz):
        yield entry


def numbered_entries(tz: tzinfo) -> Iterator[tuple[int, Entry]]:
    """`blog_entries`, each with its post's id."""
    posts = (
        Post.objects.select_related("author", "category")
        .prefetch_related(
            "tags",
            Prefetch(
                "comments",
                queryset=Comment.objects.approved().order_by("created_at", "id"),
                to_attr="approved_comments",
            ),
            Prefetch(
                "trackbacks",
                queryset=Trackback.objects.approved().order_by("created_at", "id"),
                to_attr="approved_pings",
            ),
        )
        .order_by("published_at", "id")
    )
    for post in posts.iterator(chunk_size=CHUNK):
        yield post.pk, post_entry(post, tz)
