"""`manage.py export_mt`, and the round trip: export, then import into an empty Kiji."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.models import Category, Post, Tag
from comments.models import Comment
from moderation.models import Status
from porting import exporter, mt_reader
from porting.models import ImportedEntry, OldPath
from tests.factories import make_category, make_post, make_user
from trackbacks.models import Trackback

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
POST_FIELDS = (
    "title",
    "slug",
    "status",
    "published_at",
    "body_format",
    "body",
    "body_html",
    "excerpt",
    "comments_enabled",
    "pings_enabled",
)

COMMENT_FIELDS = (
    "author_name",
    "author_email",
    "author_url",
    "ip_address",
    "text",
    "text_html",
    "created_at",
    "status",
)
PING_FIELDS = ("kind", "url", "title", "excerpt", "blog_name", "ip_address", "created_at", "status")


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_mt", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def blog(db):
    """A small blog with the awkward cases: drafts, Markdown, Japanese, odd characters."""
    writer = make_user("yamada")
    travel = make_category("旅行")
    tags = [Tag.objects.create(name=name) for name in ("京都", "Movable Type", 'say "hi"')]
    make_post(
        "秋の京都旅行",
        slug="post_12",
        author=writer,
        category=travel,
        tags=tags,
        body_format=Post.Format.HTML,
        body="<p>週末に京都へ。</p>\n\n<p>Line with &#0160; and a rule:</p>\n-----\n<p>after</p>",
        excerpt="京都の秋。",
        published_at=datetime(2004, 9, 2, 10, 5, tzinfo=TOKYO),
    )
    kyoto = Post.objects.get(slug="post_12")
    for n, (name, email, url, ip, text) in enumerate(
        [
            (
                "田中",
                "tanaka@example.jp",
                "http://tanaka.example.jp/",
                "192.0.2.10",
                "紅葉。\n写真も。",
            ),
            ("Anon", "", "", None, "A line of dashes:\n-----\nand\n--------\nmore"),
            ("Bob <b>", "bob@example.com", "https://bob.example.com/?a=1&b=2", "2001:db8::1", "ok"),
        ]
    ):
        Comment.objects.create(
            post=kyoto,
            author_name=name,
            author_email=email,
            author_url=url,
            ip_address=ip,
            text=text,
            status=Status.APPROVED,
            created_at=datetime(2004, 9, 3, 12, n, 30, tzinfo=TOKYO),
        )
    Comment.objects.create(
        post=kyoto, author_name="Spammer", author_email="s@example.net", text="buy", status="spam"
    )
    Trackback.objects.create(
        post=kyoto,
        kind=Trackback.Kind.TRACKBACK,
        url="http://travel.example.jp/archives/000123.html",
        title="京都の紅葉 & more",
        excerpt="やまださんの京都旅行記に。",
        blog_name="旅とカメラ",
        ip_address="198.51.100.7",
        status=Status.APPROVED,
        created_at=datetime(2004, 9, 3, 9, 15, 22, tzinfo=TOKYO),
    )
    Trackback.objects.create(
        post=kyoto,
        kind=Trackback.Kind.TRACKBACK,
        url="http://spam.example.net/",
        title="Cheap",
        status=Status.SPAM,
    )
    make_post(
        "Tom & Jerry <3",
        author=writer,
        body_format=Post.Format.MARKDOWN,
        body="# Heading\n\n*emphasis*\n\n--------\n\nafter eight dashes",
        status=Post.Status.DRAFT,
        comments_enabled=False,
        pings_enabled=False,
        published_at=datetime(2020, 1, 2, 3, 4, 5, tzinfo=TOKYO),
    )
    return writer


def snapshot() -> list[dict]:
    """Every post's fields, with author, category and tags by name, oldest first."""
    rows = []
    for post in Post.objects.order_by("published_at").prefetch_related("tags"):
        row = {name: getattr(post, name) for name in POST_FIELDS}
        row["author"] = post.author.username
        row["category"] = post.category.name if post.category else None
        row["tags"] = sorted(tag.name for tag in post.tags.all())
        row["comments"] = [
            {name: getattr(comment, name) for name in COMMENT_FIELDS}
            for comment in post.comments.filter(status=Status.APPROVED).order_by("created_at")
        ]
        row["pings"] = [
            {name: getattr(ping, name) for name in PING_FIELDS}
            for ping in post.trackbacks.filter(status=Status.APPROVED).order_by("created_at")
        ]
        rows.append(row)
    return rows


def test_export_writes_every_post_in_the_mt_format(blog):
    text = export()

    entries = list(mt_reader.read_entries(io.BytesIO(text.encode())))
    assert [e.title for e in entries] == ["秋の京都旅行", "Tom & Jerry <3"]
    assert "TITLE: Tom &amp; Jerry &lt;3" in text
    assert "STATUS: Draft" in text
    assert "CONVERT BREAKS: markdown" in text
    assert "DATE: 09/02/2004 10:05:00 AM" in text
    assert entries[0].unique_url == "http://127.0.0.1:8000/2004/09/02/post_12/"


def test_round_trip_into_an_empty_blog_reproduces_every_post(blog, tmp_path):
    before = snapshot()
    path = tmp_path / "backup.txt"
    export("--output", str(path))

    Post.objects.all().delete()  # and with them every comment
    Category.objects.all().delete()
    Tag.objects.all().delete()
    call_command("import_mt", str(path), stdout=io.StringIO())

    assert snapshot() == before
    assert len(before[0]["comments"]) == 3
    assert len(before[0]["pings"]) == 1
    assert not Comment.objects.filter(status=Status.SPAM).exists()  # spam is not exported
    assert not Trackback.objects.filter(status=Status.SPAM).exists()
    # The old URL is the new one: no redirect to itself.
    assert not OldPath.objects.exists()


def test_reimporting_an_export_into_the_same_blog_changes_nothing(blog, tmp_path):
    before = snapshot()
    path = tmp_path / "backup.txt"
    export("--output", str(path))

    call_command("import_mt", str(path), stdout=io.StringIO())

    assert snapshot() == before
    assert not ImportedEntry.objects.exists()


def test_export_reads_the_database_in_chunks_not_per_post(blog, monkeypatch):
    for n in range(6):
        make_post(f"Extra {n}", author=blog, tags=[Tag.objects.get(name="京都")])
    monkeypatch.setattr(exporter, "CHUNK", 3)

    with CaptureQueriesContext(connection) as queries:
        entries = list(exporter.blog_entries(TOKYO))

    assert len(entries) == 8
    # Per chunk of 3 posts: the posts (with author and category), tags, comments, pings.
    assert len(queries) <= 4 * 3 + 4


def test_export_to_an_unwritable_place_is_a_clear_error(blog, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        export("--output", str(tmp_path / "missing-dir" / "backup.txt"))
