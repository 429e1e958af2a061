"""`manage.py import_mt`: posts, categories, tags, idempotency, failures and old-URL redirects."""

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from blog import markup
from blog.models import Category, Post, Tag
from porting.models import ImportedEntry, OldPath
from tests.factories import make_category, make_post, make_user
from tests.porting.files import FIXTURES, REAL_EXPORTS

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def import_mt(name_or_path, *args) -> str:
    out = io.StringIO()
    path = name_or_path if isinstance(name_or_path, Path) else FIXTURES / name_or_path
    call_command("import_mt", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def import_mt_failing(name: str, *args, match: str) -> tuple[str, str]:
    """Run an import expected to exit non-zero; return its stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=match):
        call_command("import_mt", str(FIXTURES / name), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def yamada(db):
    return make_user("yamada")


def test_spec_example_becomes_a_post_with_categories_and_tags(yamada):
    output = import_mt("spec-example.txt")

    post = Post.objects.get()
    assert post.title == "秋の京都旅行"
    assert post.author == yamada  # AUTHOR matched to the username
    assert post.slug == "post_12"
    assert post.status == Post.Status.PUBLISHED
    assert post.published_at == datetime(2004, 9, 2, 10, 5, tzinfo=TOKYO)
    assert post.category.name == "旅行"
    assert sorted(t.name for t in post.tags.all()) == ["京都", "旅行", "日記"]
    assert post.comments_enabled and post.pings_enabled
    # CONVERT BREAKS 1: line breaks become HTML; the extended body follows the body.
    assert post.body_format == Post.Format.HTML
    assert post.body.startswith("<p>週末に京都へ行ってきました。<br />\n清水寺は")
    assert "前回の記事</a>の続きです。</p>" in post.body
    assert "1 entry read" in output
    assert "posts" in output and "created" in output


def test_imported_post_is_served_at_its_new_permalink(client, yamada):
    import_mt("spec-example.txt")
    post = Post.objects.get()

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert "清水寺" in response.content.decode()


def test_importing_the_same_file_twice_changes_nothing(yamada):
    import_mt("spec-example.txt")
    first = list(Post.objects.values())

    output = import_mt("spec-example.txt")

    assert list(Post.objects.values()) == first
    assert Category.objects.count() == 1
    assert Tag.objects.count() == 3
    assert ImportedEntry.objects.count() == 1
    row = next(line for line in output.splitlines() if line.startswith("posts"))
    assert row.split() == ["posts", "0", "1", "0", "0"]


def test_existing_post_with_the_same_date_and_title_is_not_duplicated(yamada, tmp_path):
    make_post("Late night", published_at=datetime(2018, 12, 31, 23, 59, 59, tzinfo=TOKYO))
    path = tmp_path / "late.txt"
    path.write_bytes(b"TITLE: Late night\nDATE: 12/31/2018 23:59:59\n-----\nBODY:\nzzz\n")

    import_mt(path, "--author", "yamada")

    assert Post.objects.count() == 1


def test_dry_run_saves_nothing_and_says_what_would_happen(yamada):
    output = import_mt("spec-example.txt", "--dry-run")

    assert Post.objects.count() == 0
    assert Category.objects.count() == 0
    assert "Dry run: nothing was saved." in output
    row = next(line for line in output.splitlines() if line.startswith("posts"))
    assert row.split() == ["posts", "1", "0", "0", "0"]


def test_unreadable_entry_is_reported_the_rest_imported_and_exit_is_nonzero(yamada):
    out, err = import_mt_failing(
        "typepad-quirks.txt", "--author", "yamada", match="1 of 3 entries could not be imported"
    )

    assert sorted(Post.objects.values_list("title", flat=True)) == ["Late night", "Tea & biscuits"]
    assert "“A broken date” (line 48): invalid date" in out
    assert "Traceback" not in out + err


def test_typepad_entry_fields(yamada):
    import_mt_failing("typepad-quirks.txt", "--author", "yamada", match="1 of 3")

    tea = Post.objects.get(title="Tea & biscuits")
    assert tea.body_format == Post.Format.HTML
    assert tea.body == "<p>Milk first.&#0160; Always.</p>"
    assert "&amp;#0160;" not in tea.body_html
    assert tea.body_text == "Milk first. Always."
    assert not tea.pings_enabled
    late = Post.objects.get(title="Late night")
    assert late.status == Post.Status.DRAFT
    assert late.body_format == Post.Format.MARKDOWN
    assert "<em>Still</em>" in late.body_html
    assert sorted(t.name for t in late.tags.all()) == ["late night", "tea"]


def test_an_entry_that_fails_while_writing_leaves_nothing_half_done(yamada, monkeypatch):
    real_render = markup.render_body

    def render(source, body_format):
        if "Milk" in source:
            raise ValueError("renderer exploded")
        return real_render(source, body_format)

    monkeypatch.setattr(markup, "render_body", render)
    out, _ = import_mt_failing("typepad-quirks.txt", "--author", "yamada", match="2 of 3 entries")

    assert list(Post.objects.values_list("title", flat=True)) == ["Late night"]
    assert not Category.objects.filter(name="Food").exists()
    assert not OldPath.objects.exists()
    assert "“Tea & biscuits” (line 1): renderer exploded" in out


def test_timezone_option_reads_dates_in_that_zone(yamada):
    import_mt("spec-example.txt", "--timezone", "UTC")
    assert Post.objects.get().published_at == datetime(2004, 9, 2, 10, 5, tzinfo=ZoneInfo("UTC"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timezone", "Mars/Olympus"], "Unknown time zone"),
        (["--author", "nobody"], "No user named 'nobody'"),
        (["--old-permalink", "/{year}/{slug}.html"], "Bad old permalink pattern"),
        (["--encoding", "klingon"], "unknown encoding"),
    ],
)
def test_bad_options_are_clear_errors(yamada, args, message):
    with pytest.raises(CommandError, match=message):
        import_mt("spec-example.txt", *args)


def test_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="No such file"):
        import_mt(FIXTURES / "nope.txt")


def test_without_a_matching_user_the_first_superuser_writes(db):
    admin = make_user("boss", is_superuser=True, is_staff=True)
    import_mt("spec-example.txt")
    assert Post.objects.get().author == admin


def test_without_any_user_the_entry_fails_with_a_hint(db):
    with pytest.raises(CommandError):
        import_mt("spec-example.txt")
    assert not Post.objects.exists()


def test_progress_lines_when_not_on_a_terminal(yamada):
    output = import_mt("cocolog-sjis.txt", "--author", "yamada")
    assert "2/2 entries (100%)" in output


def test_japanese_exports_import_the_same_from_both_encodings(db):
    make_user("suzuki")
    import_mt("cocolog-eucjp.txt")
    euc = list(Post.objects.order_by("published_at").values_list("title", "body", "excerpt"))
    Post.objects.all().delete()
    ImportedEntry.objects.all().delete()

    import_mt("cocolog-sjis.txt")
    sjis = list(Post.objects.order_by("published_at").values_list("title", "body", "excerpt"))

    assert euc == sjis
    assert euc[0][0] == "梅雨入りと紫陽花"
    assert euc[0][2] == "鎌倉の紫陽花の写真。"


class TestOldUrls:
    def test_unique_url_redirects_permanently_to_the_new_permalink(self, client, yamada):
        with pytest.raises(CommandError):
            import_mt("typepad-quirks.txt", "--author", "yamada")
        tea = Post.objects.get(title="Tea & biscuits")

        response = client.get("/blog/2018/03/tea-and-biscuits.html")

        assert response.status_code == 301
        assert response["Location"] == tea.get_absolute_url()

    def test_basename_with_the_cocolog_pattern(self, client, yamada):
        import_mt("spec-example.txt", "--old-permalink", "/blog/{year}/{month}/{basename}.html")
        post = Post.objects.get()

        response = client.get("/blog/2004/09/post_12.html")

        assert response.status_code == 301
        assert response["Location"] == post.get_absolute_url()
        assert OldPath.objects.get().path == "/blog/2004/09/post_12.html"

    def test_default_pattern_comes_from_settings(self, client, yamada, settings):
        settings.KIJI_IMPORT_OLD_PERMALINK = "/archives/{year}{month}{day}-{basename}.html"
        import_mt("spec-example.txt")
        assert client.get("/archives/20040902-post_12.html").status_code == 301

    def test_drafts_are_not_redirected_to(self, client, yamada):
        import_mt("spec-example.txt")
        Post.objects.update(status=Post.Status.DRAFT)
        assert client.get("/2004/09/post_12.html").status_code == 404

    def test_unknown_paths_still_404_and_pages_are_untouched(self, client, yamada):
        import_mt("spec-example.txt")
        assert client.get("/2004/09/nothing.html").status_code == 404
        assert client.get("/").status_code == 200
        assert client.post("/2004/09/post_12.html").status_code == 404


@pytest.mark.parametrize(
    ("path", "looked_up"),
    [
        ("/blog/2004/09/post_12.html", True),
        ("/archives/000123.html", True),
        ("/2019/04/spring-in-nara/", True),
        ("/archives/123", True),
        ("/spring-in-nara/", True),
        ("/wp-admin/setup/config/", False),
        ("/no/such/page/", False),
    ],
)
def test_only_permalink_shaped_404s_are_looked_up(path, looked_up, settings):
    from porting.middleware import could_be_old_path

    settings.KIJI_IMPORT_OLD_PERMALINK = ""
    assert could_be_old_path(path) is looked_up


def test_the_configured_pattern_is_always_looked_up(settings):
    from porting.middleware import could_be_old_path

    settings.KIJI_IMPORT_OLD_PERMALINK = "/diary/{basename}/"
    assert could_be_old_path("/diary/autumn-trip/")
    assert not could_be_old_path("/notes/autumn-trip/")


def test_an_old_url_that_cannot_be_redirected_is_a_warning(yamada, settings, tmp_path):
    settings.KIJI_IMPORT_OLD_PERMALINK = ""
    path = tmp_path / "odd.txt"
    path.write_text(
        "TITLE: Odd\nUNIQUE URL: http://old.example.com/notes/odd-one/\n"
        "DATE: 01/02/2005 03:04:05\n-----\nBODY:\nx\n",
        encoding="utf-8",
    )
    output = import_mt(path, "--author", "yamada")

    assert "old URL path /notes/odd-one/ is not redirected" in output
    assert not OldPath.objects.exists()


@pytest.mark.skipif(not REAL_EXPORTS.exists(), reason="real exports not present")
def test_repeated_basename_in_a_real_export_keeps_both_entries_and_stays_idempotent(db):
    make_user("Foo Bar", is_superuser=True)
    sample = REAL_EXPORTS / "mt-japanese-sample.txt"

    import_mt(sample)
    output = import_mt(sample)

    assert sorted(Post.objects.values_list("title", flat=True)) == ["2件目の記事", "A dummy title"]
    assert sorted(Post.objects.values_list("slug", flat=True)) == ["filename", "filename-2"]
    row = next(line for line in output.splitlines() if line.startswith("posts"))
    assert row.split() == ["posts", "0", "2", "0", "0"]


@pytest.mark.skipif(not REAL_EXPORTS.exists(), reason="real exports not present")
def test_a_real_typepad_export_imports_whole(db, client):
    make_user("admin", is_superuser=True)
    import_mt(REAL_EXPORTS / "typepad-getcoreinterface.txt", "--timezone", "America/New_York")

    assert Post.objects.count() == 57
    post = Post.objects.get(slug="upgrading-3ds-max-net-projects-from-net-framework-to-net-8")
    response = client.get(
        "/blog/2025/05/upgrading-3ds-max-net-projects-from-net-framework-to-net-8.html"
    )
    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()
    assert client.get(post.get_absolute_url()).status_code == 200


def test_future_entries_are_scheduled_and_review_ones_are_drafts(yamada, tmp_path):
    path = tmp_path / "statuses.txt"
    path.write_text(
        "TITLE: Later\nSTATUS: Future\nDATE: 01/02/2099 03:04:05\n-----\nBODY:\nx\n--------\n"
        "TITLE: Unsure\nSTATUS: Review\nDATE: 01/02/2005 03:04:05\n-----\nBODY:\ny\n",
        encoding="utf-8",
    )
    import_mt(path, "--author", "yamada")

    later = Post.objects.get(title="Later")
    assert later.status == Post.Status.PUBLISHED
    assert not later.is_published()  # scheduled for 2099
    assert Post.objects.get(title="Unsure").status == Post.Status.DRAFT


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("one\ntwo\n\nthree", "<p>one<br />\ntwo</p>\n\n<p>three</p>"),
        ("<ul>\n<li>kept</li>\n</ul>\n\nplain", "<ul>\n<li>kept</li>\n</ul>\n\n<p>plain</p>"),
        ("\n\n  \n", ""),
    ],
)
def test_convert_breaks_makes_paragraphs_like_movable_type(text, html):
    from porting.importer import convert_breaks

    assert convert_breaks(text) == html


def test_imported_posts_show_at_once_on_pages_already_cached(client, yamada):
    # Nothing the import makes besides the post sends a signal that would do it.
    make_category("旅行")
    for name in ("京都", "旅行", "日記"):
        Tag.objects.create(name=name)
    make_post("Written here first")
    assert "秋の京都旅行" not in client.get("/").content.decode()

    import_mt("spec-example.txt")

    index = client.get("/").content.decode()
    assert "Written here first" in index
    assert "秋の京都旅行" in index
