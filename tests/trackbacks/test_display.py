"""Pings on the post page, autodiscovery, the index count and the moderation desk."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from blog.models import Post
from moderation.models import Status
from tests.factories import make_ping, make_post
from trackbacks import discovery, protocol
from trackbacks.models import Trackback

pytestmark = pytest.mark.django_db


def test_approved_pings_are_listed_under_the_post(client):
    post = make_post("秋の京都旅行")
    make_ping(
        post,
        url="http://travel.example.jp/archives/000123.html",
        title="京都の紅葉情報まとめ",
        excerpt="やまださんの京都旅行記に",
        blog_name="旅とカメラ",
        status=Status.APPROVED,
    )
    make_ping(post, title="Waiting ping", status=Status.PENDING)
    make_ping(post, title="Spam ping", status=Status.SPAM)
    html = client.get(post.get_absolute_url()).content.decode()
    section = html.split('id="trackbacks"', 1)[1]
    assert "Listed below are links to weblogs that reference" in section
    assert f'<a href="{post.get_absolute_url()}">秋の京都旅行</a>' in section
    assert (
        '<a href="http://travel.example.jp/archives/000123.html" rel="nofollow ugc noopener">'
        "京都の紅葉情報まとめ</a>"
    ) in section
    assert "旅とカメラ" in section and "やまださんの京都旅行記に" in section
    assert "Waiting ping" not in html and "Spam ping" not in html
    assert html.index('id="comments"') < html.index('id="trackbacks"')


def test_trackback_url_with_a_copy_button_that_needs_no_inline_script(client):
    post = make_post()
    html = client.get(post.get_absolute_url()).content.decode()
    ping_url = "http://testserver" + reverse("trackbacks:ping", args=[post.pk])
    assert "TrackBack URL for this entry:" in html
    assert f'value="{ping_url}" readonly' in html
    button = re.search(r"<button[^>]*copy-button[^>]*>", html).group(0)
    assert " hidden" in button  # shown by the script only
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert client.get("/static/trackbacks/copy.js").status_code == 200


def test_closed_posts_show_no_trackback_url_and_no_autodiscovery(client):
    post = make_post(pings_enabled=False)
    response = client.get(post.get_absolute_url())
    html = response.content.decode()
    assert "TrackBack URL for this entry" not in html
    assert "TrackBacks are closed" in html
    assert "rdf:RDF" not in html and 'rel="pingback"' not in html
    assert not response.has_header("X-Pingback")


def test_open_posts_announce_every_endpoint(client):
    post = make_post()
    response = client.get(post.get_absolute_url())
    assert response["X-Pingback"] == "http://testserver" + reverse("trackbacks:xmlrpc")
    webmention = "http://testserver" + reverse("trackbacks:webmention")
    assert response["Link"] == f'<{webmention}>; rel="webmention"'
    html = response.content.decode()
    assert f'<link rel="pingback" href="http://testserver{reverse("trackbacks:xmlrpc")}">' in html
    assert f'<link rel="webmention" href="{webmention}">' in html


def test_index_and_other_pages_get_no_linkback_headers(client):
    make_post()
    assert not client.get("/").has_header("X-Pingback")


class _CommentCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.comments: list[str] = []
        self.tags: list[str] = []

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


@pytest.mark.parametrize(
    "title",
    [
        "Ends the comment -->",
        "Ends it too --!> <script>alert(1)</script>",
        'Quote " and <b>tag</b> & amp',
        "--><img src=x onerror=alert(1)><!--",
        "Dashes ---- everywhere -",
        "'single' and `back`",
    ],
)
def test_autodiscovery_rdf_cannot_break_out_of_its_comment(client, title):
    post = make_post(title)
    html = client.get(post.get_absolute_url()).content.decode()
    head = html.split("</head>", 1)[0]
    parser = _CommentCounter()
    parser.feed(head)
    rdf_comments = [c for c in parser.comments if "rdf:RDF" in c]
    assert len(rdf_comments) == 1
    assert "script" not in parser.tags and "img" not in parser.tags
    # A TrackBack client reads the same block back, title and ping URL intact.
    [block] = discovery.trackback_blocks(html)
    assert block["dc:title"] == title
    assert block["trackback:ping"] == "http://testserver" + reverse(
        "trackbacks:ping", args=[post.pk]
    )


def test_rdf_block_has_the_spec_namespaces():
    rdf = protocol.autodiscovery_rdf(permalink="http://b/p", title="T", ping_url="http://b/tb/1")
    assert rdf.startswith("<!--") and rdf.endswith("-->")
    assert 'xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/"' in rdf
    assert 'dc:identifier="http://b/p"' in rdf and 'trackback:ping="http://b/tb/1"' in rdf


def test_the_index_counts_approved_pings(client):
    post = make_post()
    make_ping(post, status=Status.APPROVED)
    make_ping(post, status=Status.APPROVED)
    make_ping(post, status=Status.PENDING)
    listed = Post.objects.for_listing().get(pk=post.pk)
    assert listed.trackback_count == 2
    html = client.get("/").content.decode()
    assert f'href="{post.get_absolute_url()}#trackbacks">2 trackbacks</a>' in html


def test_post_page_queries_do_not_grow_with_pings(client, settings):
    # Both requests render the section: none is kept (pagecache/fragments.py).
    settings.KIJI_ITEM_CACHE_SECONDS = 0
    post = make_post()
    for _ in range(30):
        make_ping(post, status=Status.APPROVED)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Both measured renders come after a change to the pings alone, which
    # leaves the sidebar kept (pagecache.pages.remembered_for_this_generation).
    client.get(post.get_absolute_url())
    Post.objects.raise_discussion_revision(post.pk)
    with CaptureQueriesContext(connection) as many:
        client.get(post.get_absolute_url())
    Trackback.objects.filter(
        pk__in=list(Trackback.objects.values_list("pk", flat=True)[1:])
    ).delete()
    with CaptureQueriesContext(connection) as one:
        client.get(post.get_absolute_url())
    assert len(many) == len(one)


# Moderation desk -------------------------------------------------------------------------------


def test_pending_pings_are_on_the_moderation_desk_and_approval_shows_them(client, author):
    post = make_post()
    item = make_ping(post, title="Please approve me", blog_name="Other blog")
    client.force_login(author)
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:trackbacks_trackback_changelist") in index
    listing = client.get(reverse("admin:trackbacks_trackback_changelist")).content.decode()
    assert "Please approve me" in listing and "TrackBack" in listing
    response = client.post(
        reverse("admin:trackbacks_trackback_changelist"),
        {"action": "approve", "_selected_action": [item.pk]},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.APPROVED
    assert item.moderated_by == author
    client.logout()
    assert "Please approve me" in client.get(post.get_absolute_url()).content.decode()


def test_change_page_shows_the_source_check(client, author):
    item = make_ping(make_post(), verification="no_link", charset="cp932")
    client.force_login(author)
    html = client.get(reverse("admin:trackbacks_trackback_change", args=[item.pk])).content.decode()
    assert "the source does not link here" in html
    assert "cp932" in html


def test_japanese_interface(client, settings):
    settings.LANGUAGE_CODE = "ja"
    post = make_post("秋の京都旅行")
    make_ping(post, title="京都の紅葉", status=Status.APPROVED)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "このエントリーのトラックバックURL:" in html
    assert "を参照しているブログ:" in html
    assert ">コピー</button>" in html
