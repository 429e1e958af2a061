"""Pings (TrackBacks) of imported entries: approved, spam kept as spam, once per source."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from blog.models import Post
from moderation.models import Status
from tests.factories import make_user
from tests.porting.files import FIXTURES, REAL_EXPORTS
from trackbacks.models import Trackback

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


def test_pings_arrive_as_approved_trackbacks_with_every_field(yamada):
    output = import_file(FIXTURES / "spec-example.txt")

    ping = Trackback.objects.get()
    assert ping.post == Post.objects.get()
    assert ping.kind == Trackback.Kind.TRACKBACK
    assert ping.status == Status.APPROVED
    assert (ping.title, ping.url, ping.blog_name) == (
        "京都の紅葉情報まとめ",
        "http://travel.example.jp/archives/000123.html",
        "旅とカメラ",
    )
    assert ping.ip_address == "198.51.100.7"
    assert ping.created_at == datetime(2004, 9, 3, 9, 15, 22, tzinfo=TOKYO)
    assert ping.excerpt.startswith("やまださんの京都旅行記にトラックバック")
    assert table_row(output, "pings") == ["pings", "1", "0", "0", "0"]


def test_imported_pings_show_on_the_post(client, yamada):
    import_file(FIXTURES / "spec-example.txt")
    page = client.get(Post.objects.get().get_absolute_url()).content.decode()
    assert "京都の紅葉情報まとめ" in page
    assert "198.51.100.7" not in page


def test_spam_pings_the_rules_flag_are_kept_as_spam(yamada, settings):
    settings.KIJI_SPAM_BLOCKLIST_IPS = ["192.0.2.0/24"]

    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 3"):  # the quirks file has one broken entry
        call_command(
            "import_mt", str(FIXTURES / "typepad-quirks.txt"), "--author", "yamada", stdout=out
        )
    output = out.getvalue()

    spam_ping = Trackback.objects.get(blog_name="Tatiana Bilbrey")
    assert spam_ping.status == Status.SPAM
    assert "Blocked IP" in spam_ping.status_reason
    assert table_row(output, "pings") == ["pings", "0", "0", "1", "0"]


def test_importing_again_adds_no_ping(yamada):
    import_file(FIXTURES / "spec-example.txt")
    output = import_file(FIXTURES / "spec-example.txt")
    assert Trackback.objects.count() == 1
    assert table_row(output, "pings") == ["pings", "0", "1", "0", "0"]


def test_ping_without_a_usable_source_is_reported(yamada, tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text(
        "TITLE: Odd\nDATE: 01/02/2005 03:04:05\n-----\nBODY:\nx\n-----\n"
        "PING:\nTITLE: Nowhere\nURL: \nBLOG NAME: ?\nno url\n-----\n"
        "PING:\nTITLE: Twice\nURL: http://a.example/1\nfirst\n-----\n"
        "PING:\nTITLE: Twice again\nURL: http://a.example/1\nsecond\n-----\n"
        "PING:\nURL: http://b.example/2\nBLOG NAME: <b>Bold</b> &amp; co\n"
        "<p>An <i>excerpt</i></p>\n-----\n",
        encoding="utf-8",
    )

    output = import_file(path, "--author", "yamada")

    assert "ping 'Nowhere' skipped" in output
    assert table_row(output, "pings") == ["pings", "2", "1", "0", "1"]
    bold = Trackback.objects.get(url="http://b.example/2")
    assert bold.blog_name == "Bold & co"
    assert bold.excerpt == "An excerpt"
    assert bold.title == "An excerpt"  # no title: the start of the excerpt


@pytest.mark.skipif(not REAL_EXPORTS.exists(), reason="real exports not present")
def test_every_ping_of_a_real_typepad_blog_arrives(db):
    make_user("admin", is_superuser=True)
    output = import_file(REAL_EXPORTS / "typepad-modthemachine.txt")

    assert table_row(output, "pings")[1:] == ["7", "0", "0", "0"]
    assert Trackback.objects.count() == 7
