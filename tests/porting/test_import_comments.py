"""Comments of imported entries: approved, spam kept as spam, private emails, idempotency."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from blog.models import Post
from comments.models import Comment
from moderation.models import Status
from tests.factories import make_user
from tests.porting.files import FIXTURES, REAL_EXPORTS

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def import_file(path, *args) -> str:
    out = io.StringIO()
    call_command("import_mt", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def table_row(output: str, kind: str) -> list[str]:
    return next(line for line in output.splitlines() if line.startswith(kind)).split()


@pytest.fixture
def yamada(db):
    return make_user("yamada")


def test_comments_arrive_approved_with_every_field(yamada):
    output = import_file(FIXTURES / "spec-example.txt")

    post = Post.objects.get()
    first, second = Comment.objects.filter(post=post).order_by("created_at")
    assert first.status == Status.APPROVED
    assert (first.author_name, first.author_email, first.author_url) == (
        "田中",
        "tanaka@example.jp",
        "http://tanaka.example.jp/",
    )
    assert first.ip_address == "192.0.2.10"
    assert first.created_at == datetime(2004, 9, 2, 14, 37, tzinfo=TOKYO)
    assert first.text == "紅葉の時期にもう一度行きたいですね。\n写真も楽しみにしています。"
    assert "<br>" in first.text_html
    assert (second.author_email, second.author_url) == ("", "")
    assert second.created_at == datetime(2004, 9, 3, 0, 0, tzinfo=TOKYO)
    assert table_row(output, "comments") == ["comments", "2", "0", "0", "0"]


def test_imported_comments_show_on_the_post_without_their_emails(client, yamada):
    import_file(FIXTURES / "spec-example.txt")
    post = Post.objects.get()

    page = client.get(post.get_absolute_url()).content.decode()

    assert "紅葉の時期にもう一度行きたいですね。" in page
    assert "こんばんは" in page
    assert "tanaka@example.jp" not in page
    assert "192.0.2.10" not in page


def test_comments_the_spam_rules_flag_are_kept_as_spam(yamada, settings):
    settings.KIJI_SPAM_BLOCKLIST_WORDS = ["こんばんは"]

    output = import_file(FIXTURES / "spec-example.txt")

    flagged = Comment.objects.get(author_name="さとう")
    assert flagged.status == Status.SPAM
    assert "こんばんは" in flagged.status_reason
    assert Comment.objects.get(author_name="田中").status == Status.APPROVED
    assert table_row(output, "comments") == ["comments", "1", "0", "1", "0"]


def test_form_rules_do_not_flag_imports(yamada, settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 10_000
    import_file(FIXTURES / "spec-example.txt")
    assert set(Comment.objects.values_list("status", flat=True)) == {Status.APPROVED}


def test_importing_again_adds_only_new_comments(yamada, tmp_path):
    import_file(FIXTURES / "spec-example.txt")
    text = (FIXTURES / "spec-example.txt").read_text(encoding="utf-8")
    later = text.replace(
        "PING:",
        "COMMENT:\nAUTHOR: 後から\nEMAIL:\nIP: 192.0.2.12\nURL:\nDATE: 09/05/2004 08:00:00 PM\n"
        "あとで書いたコメント。\n-----\nPING:",
    )
    path = tmp_path / "later.txt"
    path.write_text(later, encoding="utf-8")

    output = import_file(path)

    assert Comment.objects.count() == 3
    assert table_row(output, "comments") == ["comments", "1", "2", "0", "0"]
    assert table_row(import_file(path), "comments") == ["comments", "0", "3", "0", "0"]
    assert Comment.objects.count() == 3


def test_identical_comments_on_different_dates_are_both_kept(yamada, tmp_path):
    block = "COMMENT:\nAUTHOR: Dup\nEMAIL: d@example.com\nDATE: {}\nSame words.\n-----\n"
    path = tmp_path / "dup.txt"
    path.write_text(
        "TITLE: Doubles\nDATE: 01/02/2005 03:04:05\n-----\nBODY:\nx\n-----\n"
        + block.format("01/02/2005 04:00:00")
        + block.format("01/03/2005 04:00:00")
        + block.format("01/03/2005 04:00:00"),  # the same comment twice in the file
        encoding="utf-8",
    )

    import_file(path, "--author", "yamada")

    assert Comment.objects.count() == 2


def test_odd_commenter_urls_and_ips(yamada, tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text(
        "TITLE: Odd\nDATE: 01/02/2005 03:04:05\n-----\nBODY:\nx\n-----\n"
        'COMMENT:\nAUTHOR: Quux\nURL: <a href="http://www.quux.com/">http://www.quux.com/</a>\n'
        "IP: not-an-ip\nhello\n-----\n"
        "COMMENT:\nAUTHOR: Mallory\nURL: javascript:alert(1)\nhi\n-----\n"
        "COMMENT:\nEMAIL: anon@example.com\nno name\n-----\n",
        encoding="utf-8",
    )

    output = import_file(path, "--author", "yamada")

    quux = Comment.objects.get(author_name="Quux")
    assert quux.author_url == "http://www.quux.com/"
    assert quux.ip_address is None
    assert Comment.objects.get(author_name="Mallory").author_url == ""
    assert "website 'javascript:alert(1)' dropped" in output
    anonymous = Comment.objects.get(author_email="anon@example.com")
    assert anonymous.author_name == "Anonymous"
    # Comments without a date take their entry's.
    assert anonymous.created_at == datetime(2005, 1, 2, 3, 4, 5, tzinfo=TOKYO)


def test_no_entry_block_adds_comments_to_the_post_with_its_date(yamada, tmp_path):
    import_file(FIXTURES / "spec-example.txt")
    path = tmp_path / "more.txt"
    path.write_text(
        "NO ENTRY: 1\nDATE: 09/02/2004 10:05:00 AM\n-----\n"
        "COMMENT:\nAUTHOR: 遅れて\nDATE: 10/01/2004 09:00:00 AM\n遅いコメント\n-----\n--------\n"
        "NO ENTRY: 1\nTITLE: Nowhere\nDATE: 01/01/1999 10:05:00 AM\n-----\n"
        "COMMENT:\nAUTHOR: Lost\nx\n-----\n",
        encoding="utf-8",
    )

    with pytest.raises(Exception, match="1 of 2 entries could not be imported"):
        import_file(path)

    assert Comment.objects.filter(post=Post.objects.get(), author_name="遅れて").exists()
    assert not Comment.objects.filter(author_name="Lost").exists()


@pytest.mark.skipif(not REAL_EXPORTS.exists(), reason="real exports not present")
def test_every_comment_of_a_real_typepad_blog_arrives(db):
    make_user("admin", is_superuser=True)
    output = import_file(REAL_EXPORTS / "typepad-justonesandzeros.txt")

    assert Comment.objects.count() == 991
    assert table_row(output, "comments") == ["comments", "991", "0", "0", "0"]
    sql = Comment.objects.get(text__contains="SELECT PARENT, CHILD, SUM(QUANTITY)")
    assert sql.text.endswith("I think impossible to convert in linq.")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("http://example.com/", "http://example.com/"),
        ('<a href="https://example.com/a">x</a>', "https://example.com/a"),
        ("javascript:alert(1)", ""),
        ("http://exa mple.com/", ""),
        ("http://example.com/\x00", ""),
        ("ftp://example.com/", ""),
    ],
)
def test_clean_url(given, kept):
    from porting.discussion import clean_url

    assert clean_url(given) == kept


def test_an_import_shows_at_once_on_pages_already_cached(client, yamada, tmp_path):
    import_file(FIXTURES / "spec-example.txt")
    post = Post.objects.get()
    before = client.get(post.get_absolute_url()).content.decode()
    assert "遅いコメント" not in before and "遅い言及" not in before
    path = tmp_path / "more.txt"
    path.write_text(
        "NO ENTRY: 1\nDATE: 09/02/2004 10:05:00 AM\n-----\n"
        "COMMENT:\nAUTHOR: 遅れて\nDATE: 10/01/2004 09:00:00 AM\n遅いコメント\n-----\n"
        "PING:\nTITLE: 遅い言及\nURL: http://example.jp/late\nBLOG NAME: 別のブログ\n"
        "DATE: 10/02/2004 09:00:00 AM\n言及の抜粋\n-----\n--------\n",
        encoding="utf-8",
    )

    import_file(path)

    after = client.get(post.get_absolute_url()).content.decode()
    assert "遅いコメント" in after
    assert "遅い言及" in after
