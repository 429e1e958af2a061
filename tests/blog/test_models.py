from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from blog import discussion
from blog.models import Post, Tag
from tests.factories import make_category, make_post

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def test_published_excludes_drafts_and_scheduled_posts():
    visible = make_post("Visible")
    make_post("Draft", status=Post.Status.DRAFT)
    make_post("Scheduled", published_at=timezone.now() + timedelta(hours=1))

    assert list(Post.objects.published()) == [visible]
    assert visible.is_published()


def test_is_published_agrees_with_the_queryset_rule():
    posts = [
        make_post(status=Post.Status.DRAFT),
        make_post(published_at=timezone.now() + timedelta(minutes=5)),
        make_post(),
    ]
    published = set(Post.objects.published())
    for post in posts:
        assert post.is_published() == (post in published)


def test_slug_keeps_japanese_characters_and_is_unique():
    first = make_post("京都の古本屋")
    second = make_post("京都の古本屋")

    assert first.slug == "京都の古本屋"
    assert second.slug == "京都の古本屋-2"


def test_permalink_is_stable_when_the_title_changes():
    post = make_post("Original title")
    url = post.get_absolute_url()

    post.title = "A better title"
    post.save()

    assert post.get_absolute_url() == url


def test_permalink_uses_the_blog_local_date_just_after_midnight():
    # 00:30 in Tokyo on 1 January is 15:30 UTC on 31 December.
    post = make_post("New year", published_at=datetime(2024, 1, 1, 0, 30, tzinfo=TOKYO))

    assert post.published_at.astimezone(ZoneInfo("UTC")).day == 31
    assert post.get_absolute_url() == f"/2024/01/01/{post.slug}/"


def test_markdown_body_is_rendered_and_sanitised_on_save():
    post = make_post(body="**bold** <script>alert(1)</script> [x](javascript:alert(1))")

    assert "<strong>bold</strong>" in post.body_html
    assert "<script" not in post.body_html
    assert "javascript:" not in post.body_html
    assert "bold" in post.body_text


def test_html_body_keeps_safe_markup_and_drops_event_handlers():
    post = make_post(body_format=Post.Format.HTML, body='<p onclick="x()">Hi <em>there</em></p>')

    assert post.body_html == "<p>Hi <em>there</em></p>"


def test_previous_and_next_skip_unpublished_posts():
    now = timezone.now()
    older = make_post("Older", published_at=now - timedelta(days=3))
    make_post("Hidden draft", published_at=now - timedelta(days=2), status=Post.Status.DRAFT)
    middle = make_post("Middle", published_at=now - timedelta(days=1))
    make_post("Scheduled", published_at=now + timedelta(days=1))

    assert middle.get_previous_published() == older
    assert middle.get_next_published() is None
    assert older.get_next_published() == middle
    assert older.get_previous_published() is None


def test_previous_and_next_order_posts_with_the_same_date_by_id():
    when = timezone.now() - timedelta(days=1)
    first, second = make_post("A", published_at=when), make_post("B", published_at=when)

    assert first.get_next_published() == second
    assert second.get_previous_published() == first


def test_search_matches_japanese_substrings_and_every_english_word():
    kyoto = make_post("京都の古本屋を歩く", body="寺町通りの古本屋。")
    english = make_post("Long posts", body="Why I still write long posts and letters.")
    make_post("下書き", body="古本", status=Post.Status.DRAFT)

    assert list(Post.objects.published().search("古本")) == [kyoto]
    assert list(Post.objects.published().search("write letters")) == [english]
    assert list(Post.objects.published().search("write 古本")) == []


def test_discussion_closes_after_the_configured_age(settings):
    settings.KIJI_CLOSE_DISCUSSION_AFTER_DAYS = 30
    fresh = make_post(published_at=timezone.now() - timedelta(days=29))
    old = make_post(published_at=timezone.now() - timedelta(days=31))
    closed = make_post(comments_enabled=False, pings_enabled=False)
    draft = make_post(status=Post.Status.DRAFT)

    assert fresh.comments_open and fresh.pings_open
    assert not old.comments_open and not old.pings_open
    assert not closed.comments_open and not closed.pings_open
    assert not draft.comments_open


def test_category_slug_is_made_from_its_name():
    assert make_category("日記").slug == "日記"


def test_slug_of_a_title_without_letters_falls_back_to_post():
    assert make_post("!!!").slug == "post"
    assert make_post("???").slug == "post-2"


def test_an_explicit_slug_is_kept_and_survives_edits():
    post = make_post("Title", slug="my-own-slug")
    post.title = "Another title"
    post.body = "New body"
    post.save()

    post.refresh_from_db()
    assert post.slug == "my-own-slug"
    assert post.get_absolute_url().endswith("/my-own-slug/")


@pytest.mark.parametrize(
    ("body", "summary"),
    [
        ("京都に着いた。\n\n雨だった。", "京都に着いた。雨だった。"),
        ("一行目<br>二行目", "一行目二行目"),
        ("Kyoto.\n\nIt rained.", "Kyoto. It rained."),
        ("京都 Kyoto\n\n雨", "京都 Kyoto 雨"),
        ("「京都」\n\n『雨』", "「京都」『雨』"),
    ],
)
def test_summary_joins_japanese_paragraphs_without_a_space(body, summary):
    assert make_post(body=body).summary == summary


def test_summary_is_the_excerpt_or_the_start_of_the_body():
    with_excerpt = make_post(excerpt="Hand-written excerpt.", body="Body text.")
    without = make_post(body="word " * 100)

    assert with_excerpt.summary == "Hand-written excerpt."
    assert len(without.summary) <= 200
    assert without.summary.endswith("…")
    assert "<" not in make_post(body="**bold** text").summary


def test_scheduled_post_appears_when_its_time_comes():
    publish_at = timezone.now() + timedelta(hours=2)
    post = make_post("Scheduled", published_at=publish_at)

    assert post not in Post.objects.published()
    with time_machine.travel(publish_at + timedelta(seconds=1)):
        assert post in Post.objects.published()
        assert post.is_published()


def test_for_listing_annotates_registered_counts_of_public_items():
    # Any model with a `post` foreign key can register a count; the tag links have one.
    discussion.register_count("tag_link_count", lambda: Post.tags.through.objects.all())
    try:
        post = make_post(tags=[Tag.objects.create(name="a"), Tag.objects.create(name="b")])
        bare = make_post()
        counts = {p.pk: p.tag_link_count for p in Post.objects.for_listing()}
    finally:
        discussion._count_builders.pop("tag_link_count")

    assert counts == {post.pk: 2, bare.pk: 0}


def test_count_subqueries_are_built_once_and_again_after_a_registration():
    first = discussion.count_annotations()
    assert discussion.count_annotations()["comment_count"] is first["comment_count"]

    discussion.register_count("tag_link_count", lambda: Post.tags.through.objects.all())
    try:
        assert "tag_link_count" in discussion.count_annotations()
    finally:
        discussion._count_builders.pop("tag_link_count")
    assert discussion.count_annotations().keys() == first.keys()


def test_for_listing_takes_a_fixed_number_of_queries(django_assert_num_queries):
    tag = Tag.objects.create(name="t")
    for _ in range(10):
        make_post(category=make_category(), tags=[tag])

    with django_assert_num_queries(2):  # posts with author and category, then tags
        posts = list(Post.objects.for_listing())
        assert all(p.category and p.author and list(p.tags.all()) for p in posts)


def test_search_ignores_case():
    post = make_post("Long Posts", body="About LETTERS.")

    assert list(Post.objects.search("long letters")) == [post]


def test_posts_are_ordered_newest_first_with_the_id_breaking_ties():
    when = timezone.now() - timedelta(days=1)
    first, second = make_post(published_at=when), make_post(published_at=when)
    newest = make_post(published_at=when + timedelta(minutes=1))

    assert list(Post.objects.published()) == [newest, second, first]


def test_tag_slug_keeps_japanese_characters():
    assert Tag.objects.create(name="古本 屋").slug == "古本-屋"


def test_script_and_style_elements_leave_no_text_behind():
    post = make_post(
        body="Before\n\n<script>alert('x')</script>\n\n<STYLE>p{color:red}</STYLE>\n\nAfter "
        "`<script>kept as code</script>`"
    )

    assert "alert" not in post.body_html
    assert "color:red" not in post.body_html
    assert "Before" in post.body_html and "After" in post.body_html
    assert "&lt;script&gt;kept as code&lt;/script&gt;" in post.body_html


@pytest.mark.django_db(transaction=True)
def test_the_migration_joins_the_text_of_posts_stored_before():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("blog", "0004_post_search_trigram_indexes")])
    old_post = executor.loader.project_state(("blog", "0004_post_search_trigram_indexes")).apps
    Post = old_post.get_model("blog", "Post")
    User = old_post.get_model("auth", "User")
    post = Post.objects.create(
        title="古い記事",
        slug="old",
        author=User.objects.create(username="old-author"),
        body="京都に着いた。\n\n雨だった。",
        body_html="<p>京都に着いた。</p>\n<p>雨だった。</p>",
        body_text="京都に着いた。 雨だった。",
        published_at=timezone.now(),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Post.objects.get(pk=post.pk).body_text == "京都に着いた。雨だった。"
