"""WordPress WXR: the safe reader and `manage.py import_wxr`."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from blog.models import Post
from comments.models import Comment
from moderation.models import Status
from porting import wxr
from porting.models import OldPath
from tests.factories import make_user
from tests.porting.files import FIXTURES
from trackbacks.models import Trackback


def read(name: str) -> tuple[list, wxr.WXRReader]:
    with (FIXTURES / name).open("rb") as stream:
        reader = wxr.WXRReader(stream)
        return list(reader), reader


def test_posts_comments_and_pings_are_read():
    (nara, draft, broken), reader = read("wordpress.xml")

    assert nara.title == "Spring in Nara & deer"
    assert nara.date == datetime(2019, 4, 1, 1, 30, tzinfo=UTC)
    assert nara.basename == "spring-in-nara"
    assert nara.all_categories == ["旅行"]
    assert nara.tags == ["deer", "奈良"]
    assert (nara.allow_comments, nara.allow_pings) == (True, False)
    assert nara.excerpt == "Deer and crackers."
    assert [(c.author, c.status) for c in nara.comments] == [
        ("Taro", "approved"),
        ("cheap pills", "spam"),
    ]
    [ping] = nara.pings
    assert (ping.url, ping.blog_name) == ("http://deer.example.com/2019/04/nara", "Deer News")

    assert draft.status == "draft"
    assert draft.basename == "下書き"
    assert draft.date == datetime(2019, 5, 5, 9, 0)  # no GMT date: local time

    assert broken.describe() == "“No date at all” (item 4, post id 13): no readable wp:post_date"
    assert reader.skipped == {"page": 1, "trashed comment": 1}


@pytest.mark.parametrize("name", ["wxr-billion-laughs.xml", "wxr-external-entity.xml"])
def test_hostile_xml_is_refused_before_anything_is_read(name):
    with pytest.raises(wxr.ExportError, match="refused: the file declares a DTD"):
        read(name)


def test_hostile_xml_even_without_a_dtd_check_never_expands():
    """The entity guard alone (defusedxml's default) also refuses both attacks."""
    from defusedxml import ElementTree as SafeET
    from defusedxml.common import DefusedXmlException

    for name in ("wxr-billion-laughs.xml", "wxr-external-entity.xml"):
        with pytest.raises(DefusedXmlException):
            SafeET.parse(str(FIXTURES / name))


def test_truncated_file_keeps_what_was_read_and_reports_the_break():
    data = (FIXTURES / "wordpress.xml").read_bytes()
    cut = data[: data.index(b"<title>About</title>")]

    items = list(wxr.WXRReader(io.BytesIO(cut)))

    assert items[0].title == "Spring in Nara & deer"
    assert "the file breaks off after item 1" in items[-1].message


def test_not_xml_at_all_is_an_export_error():
    with pytest.raises(wxr.ExportError, match="not a well-formed XML file"):
        list(wxr.WXRReader(io.BytesIO(b"AUTHOR: this is an MT file\n")))


def test_count_items():
    with (FIXTURES / "wordpress.xml").open("rb") as stream:
        assert wxr.count_items(stream) == 4


@pytest.mark.django_db
class TestImportWxr:
    def test_imports_posts_and_reports_the_rest(self):
        make_user("hanako")
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError, match="1 of 3 entries could not be imported"):
            call_command("import_wxr", str(FIXTURES / "wordpress.xml"), stdout=out, stderr=err)

        nara = Post.objects.get(slug="spring-in-nara")
        assert nara.published_at == datetime(2019, 4, 1, 1, 30, tzinfo=UTC)
        assert nara.body_format == Post.Format.HTML
        assert nara.body.startswith("<p>The deer bow.</p>\n\n<p>They want crackers.<br />")
        assert nara.category.name == "旅行"
        assert sorted(t.name for t in nara.tags.all()) == ["deer", "奈良"]
        assert Post.objects.get(slug="下書き").status == Post.Status.DRAFT
        assert OldPath.objects.get().path == "/2019/04/spring-in-nara/"
        assert "not imported (Kiji holds posts only): 1 page, 1 trashed comment" in out.getvalue()
        taro = Comment.objects.get(author_name="Taro")
        assert (taro.status, taro.author_email, taro.ip_address) == (
            Status.APPROVED,
            "taro@example.jp",
            "192.0.2.50",
        )
        assert taro.created_at == datetime(2019, 4, 1, 3, 0, tzinfo=UTC)
        # Spam on the old blog stays spam here, kept for the author to see.
        assert Comment.objects.get(author_name="cheap pills").status == Status.SPAM
        pingback = Trackback.objects.get()
        assert (pingback.kind, pingback.url, pingback.status) == (
            Trackback.Kind.PINGBACK,
            "http://deer.example.com/2019/04/nara",
            Status.APPROVED,
        )
        assert pingback.excerpt == "Deer of Japan Nara's deer are famous."
        assert "No date at all" in out.getvalue()

    @pytest.mark.parametrize("name", ["wxr-billion-laughs.xml", "wxr-external-entity.xml"])
    def test_hostile_files_import_nothing(self, name):
        make_user("hanako", is_superuser=True)
        with pytest.raises(CommandError, match="refused"):
            call_command("import_wxr", str(FIXTURES / name), stdout=io.StringIO())
        assert not Post.objects.exists()

    def test_old_wordpress_permalink_redirects(self, client):
        make_user("hanako")
        with pytest.raises(CommandError):
            call_command(
                "import_wxr",
                str(FIXTURES / "wordpress.xml"),
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        nara = Post.objects.get(slug="spring-in-nara")

        response = client.get("/2019/04/spring-in-nara/")

        assert response.status_code == 301
        assert response["Location"] == nara.get_absolute_url()
