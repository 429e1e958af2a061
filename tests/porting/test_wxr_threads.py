"""Threads of a WordPress export: `wp:comment_parent` becomes the reply's parent."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.models import Post
from comments.models import Comment
from moderation.models import Status
from porting import exporter, mt_reader, mt_writer
from porting.importer import ImportOptions, import_entries
from porting.wxr import WXRReader
from tests.factories import make_user

pytestmark = pytest.mark.django_db
START = datetime(2020, 5, 1, tzinfo=UTC)
APPROVED, PENDING, SPAM = "1", "0", "spam"


def comment(cid: int, parent: int, author: str, minutes: int, approved: str = APPROVED) -> str:
    gmt = (START + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")
    return f"""
        <wp:comment>
            <wp:comment_id>{cid}</wp:comment_id>
            <wp:comment_author><![CDATA[{author}]]></wp:comment_author>
            <wp:comment_date><![CDATA[{gmt}]]></wp:comment_date>
            <wp:comment_date_gmt><![CDATA[{gmt}]]></wp:comment_date_gmt>
            <wp:comment_content><![CDATA[{author} writes.]]></wp:comment_content>
            <wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>
            <wp:comment_type><![CDATA[comment]]></wp:comment_type>
            <wp:comment_parent>{parent}</wp:comment_parent>
        </wp:comment>"""


def post(post_id: int, slug: str, comments: list[str]) -> str:
    return f"""
    <item>
        <title>{slug}</title>
        <link>https://wp.example.com/{slug}/</link>
        <dc:creator><![CDATA[hanako]]></dc:creator>
        <content:encoded><![CDATA[About {slug}.]]></content:encoded>
        <wp:post_id>{post_id}</wp:post_id>
        <wp:post_date><![CDATA[2020-04-30 09:00:00]]></wp:post_date>
        <wp:post_date_gmt><![CDATA[2020-04-30 00:00:00]]></wp:post_date_gmt>
        <wp:post_name><![CDATA[{slug}]]></wp:post_name>
        <wp:status><![CDATA[publish]]></wp:status>
        <wp:post_type><![CDATA[post]]></wp:post_type>{"".join(comments)}
    </item>"""


def wxr(*items: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:wp="http://wordpress.org/export/1.2/">
<channel>{"".join(items)}
</channel>
</rss>
""".encode()


# A 3-level thread, a reply deeper than the default limit of 3 (written before its
# parent, as a hand-edited file may be), and replies to what cannot be a parent.
THREADS = wxr(
    post(
        11,
        "threads",
        [
            comment(1, 0, "Aiko", 0),
            comment(2, 1, "Ben", 10),
            comment(4, 3, "Dan", 30),
            comment(3, 2, "Chie", 20),
            comment(5, 0, "Spammer", 40, SPAM),
            comment(6, 5, "Eri", 50),
            comment(7, 0, "Fumi", 60, PENDING),
            comment(8, 7, "Goro", 70),
            comment(9, 100, "Hana", 80),
            comment(10, 99, "Ichi", 90),
        ],
    ),
    post(12, "elsewhere", [comment(100, 0, "Jun", 0)]),
)


def import_wxr(tmp_path, data: bytes) -> str:
    path = tmp_path / "wordpress.xml"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_wxr", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def by_author() -> dict[str, Comment]:
    return {c.author_name: c for c in Comment.objects.select_related("parent")}


def threads() -> list[tuple]:
    return list(
        Comment.objects.order_by("pk").values_list(
            "pk", "parent_id", "depth", "thread_id", "thread_started_at", "status"
        )
    )


@pytest.fixture
def hanako(db):
    return make_user("hanako")


def test_replies_keep_their_thread(hanako, tmp_path):
    import_wxr(tmp_path, THREADS)

    c = by_author()
    aiko = c["Aiko"]
    assert (aiko.parent, aiko.depth, aiko.thread_id) == (None, 0, aiko.pk)
    assert (c["Ben"].parent, c["Ben"].depth) == (aiko, 1)
    assert (c["Chie"].parent, c["Chie"].depth) == (c["Ben"], 2)
    # Deeper than allowed: it answers from the deepest level, beside its parent.
    assert (c["Dan"].parent, c["Dan"].depth) == (c["Ben"], 2)
    assert c["Dan"].replying_to == c["Chie"]  # what it answered on the old blog
    assert c["Chie"].replying_to == c["Chie"].parent
    for name in ("Ben", "Chie", "Dan"):
        assert (c[name].thread_id, c[name].thread_started_at) == (aiko.pk, aiko.created_at)
    assert aiko.thread_started_at == aiko.created_at


def test_a_deeper_limit_keeps_the_deeper_reply(hanako, tmp_path, settings):
    settings.KIJI_COMMENTS_THREAD_DEPTH = 5

    import_wxr(tmp_path, THREADS)

    c = by_author()
    assert (c["Dan"].parent, c["Dan"].depth, c["Dan"].thread_id) == (c["Chie"], 3, c["Aiko"].pk)


def test_replies_to_what_is_not_an_approved_comment_of_the_post_become_top_level(hanako, tmp_path):
    output = import_wxr(tmp_path, THREADS)

    c = by_author()
    assert (c["Spammer"].status, c["Fumi"].status) == (Status.SPAM, Status.PENDING)
    for name in ("Eri", "Goro", "Hana", "Ichi"):
        assert c[name].status == Status.APPROVED
        assert (c[name].parent, c[name].depth, c[name].thread_id) == (None, 0, c[name].pk)
        assert c[name].thread_started_at == c[name].created_at
    assert "comment by Eri answers comment 5, which is not approved (spam)" in output
    assert "comment by Goro answers comment 7, which is not approved (pending)" in output
    assert "comment by Hana answers comment 100, which is not one of this post's" in output
    assert "comment by Ichi answers comment 99, which is not one of this post's" in output
    assert "imported as a top-level comment" in output


def test_importing_again_changes_nothing(hanako, tmp_path):
    import_wxr(tmp_path, THREADS)
    before = threads()
    assert sum(1 for _, parent_id, *_ in before if parent_id) == 3

    output = import_wxr(tmp_path, THREADS)

    assert threads() == before
    assert next(line for line in output.splitlines() if line.startswith("comments")).split() == [
        "comments",
        "0",
        "11",
        "0",
        "0",
    ]


def test_a_newer_export_attaches_new_replies_to_comments_already_here(hanako, tmp_path):
    first = [comment(1, 0, "Aiko", 0), comment(2, 1, "Ben", 10)]
    import_wxr(tmp_path, wxr(post(11, "threads", first)))
    ben = Comment.objects.get(author_name="Ben")

    import_wxr(
        tmp_path,
        wxr(post(11, "threads", [*first, comment(3, 2, "Chie", 20), comment(4, 3, "Dan", 30)])),
    )

    c = by_author()
    assert c["Ben"].pk == ben.pk
    assert (c["Chie"].parent, c["Chie"].depth) == (ben, 2)
    assert (c["Dan"].parent, c["Dan"].depth) == (ben, 2)
    assert {c[name].thread_id for name in ("Chie", "Dan")} == {c["Aiko"].pk}


def test_a_reply_loop_is_broken_into_a_thread(hanako, tmp_path):
    output = import_wxr(
        tmp_path,
        wxr(post(11, "loop", [comment(1, 2, "Aiko", 0), comment(2, 1, "Ben", 10)])),
    )

    c = by_author()
    depths = sorted((c[name].depth, c[name].parent_id) for name in ("Aiko", "Ben"))
    assert depths[0] == (0, None)
    assert depths[1][0] == 1
    assert "loop of replies" in output


def test_mt_export_lists_a_threaded_posts_comments_in_date_order(hanako, tmp_path):
    """MT has no threads: comments come out flat, by date; imported back, they are top-level."""
    import_wxr(
        tmp_path,
        wxr(
            post(
                11,
                "threads",
                [
                    comment(1, 0, "Aiko", 0),
                    comment(2, 0, "Ben", 10),
                    comment(3, 1, "Chie", 20),
                    comment(4, 3, "Dan", 30),
                    comment(5, 2, "Eri", 40),
                ],
            )
        ),
    )
    assert Comment.objects.filter(parent__isnull=False).count() == 3

    [entry] = exporter.blog_entries(UTC)

    assert [c.author for c in entry.comments] == ["Aiko", "Ben", "Chie", "Dan", "Eri"]
    text = mt_writer.write_entry(entry)
    (tmp_path / "backup.txt").write_text(text)
    Post.objects.all().delete()
    call_command(
        "import_mt", str(tmp_path / "backup.txt"), "--timezone", "UTC", stdout=io.StringIO()
    )
    assert [
        (c.author_name, c.created_at, c.parent_id, c.depth, c.thread_id == c.pk)
        for c in Comment.objects.order_by("created_at")
    ] == [
        (name, START + timedelta(minutes=minutes), None, 0, True)
        for name, minutes in [("Aiko", 0), ("Ben", 10), ("Chie", 20), ("Dan", 30), ("Eri", 40)]
    ]
    assert len(list(mt_reader.read_entries(io.BytesIO(text.encode())))) == 1


def deep_threads(post_id: int, slug: str, count: int) -> bytes:
    """`count` threads of a comment, 3 nested replies and a reply beyond the limit."""
    comments = []
    for n in range(count):
        first = n * 10 + 1
        comments += [
            comment(first, 0, f"{slug}-{n}-0", n * 10),
            *(comment(first + i, first + i - 1, f"{slug}-{n}-{i}", n * 10 + i) for i in (1, 2, 3)),
        ]
    return wxr(post(post_id, slug, comments))


def test_import_queries_do_not_grow_with_replies(hanako):
    counts = []
    # Small enough that SQLite's limit on query parameters splits no insert.
    for post_id, slug, count in ((1, "small", 2), (2, "large", 12)):
        data = deep_threads(post_id, slug, count)
        with CaptureQueriesContext(connection) as queries:
            import_entries(WXRReader(io.BytesIO(data)), ImportOptions(tz=UTC))
        counts.append(len(queries))
        replies = Comment.objects.filter(post__slug=slug, parent__isnull=False)
        assert replies.count() == count * 3
        assert sorted(set(replies.values_list("depth", flat=True))) == [1, 2]

    assert counts[0] == counts[1]
