from datetime import datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.utils import timezone
from django.utils.http import http_date

from blog.models import Post
from tests.factories import make_category, make_post, make_user

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_feed_lists_published_posts_with_links_and_bodies(client, url):
    post = make_post("京都の古本屋", body="寺町通りの**古本屋**。")

    feed = feedparser.parse(client.get(url).content)

    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["京都の古本屋"]
    assert feed.entries[0].link.endswith(post.get_absolute_url())
    assert "<strong>古本屋</strong>" in feed.entries[0].summary


def test_feed_entry_date_is_the_local_date(client):
    make_post("Midnight", published_at=datetime(2024, 1, 1, 0, 30, tzinfo=TOKYO))

    body = client.get("/feeds/rss/").content.decode()

    assert "Mon, 01 Jan 2024 00:30:00 +0900" in body


def test_category_feed_has_only_that_category(client):
    books = make_category("Books", slug="books")
    make_post("In books", category=books)
    make_post("Elsewhere")

    feed = feedparser.parse(client.get("/category/books/feed/atom/").content)

    assert [e.title for e in feed.entries] == ["In books"]


def test_autodiscovery_links_are_in_the_page_head(client):
    make_post()
    html = client.get("/").content.decode()

    assert 'type="application/rss+xml"' in html
    assert 'type="application/atom+xml"' in html


def test_feed_answers_conditional_get_with_304(client):
    make_post()
    first = client.get("/feeds/rss/")

    by_etag = client.get("/feeds/rss/", headers={"if-none-match": first["ETag"]})
    by_date = client.get("/feeds/rss/", headers={"if-modified-since": first["Last-Modified"]})

    assert by_etag.status_code == 304
    assert by_date.status_code == 304


def test_feed_changes_its_etag_when_a_post_is_published(client):
    make_post(published_at=timezone.now() - timedelta(days=2))
    first = client.get("/feeds/rss/")
    make_post("Brand new")

    again = client.get("/feeds/rss/", headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200
    assert "Brand new" in again.content.decode()


def test_old_if_modified_since_gets_the_full_feed(client):
    make_post()
    long_ago = http_date((timezone.now() - timedelta(days=30)).timestamp())

    assert client.get("/feeds/rss/", headers={"if-modified-since": long_ago}).status_code == 200


def test_sitemap_lists_published_posts(client):
    post = make_post("In the sitemap")

    body = client.get("/sitemap.xml").content.decode()

    assert post.get_absolute_url() in body


def test_feed_entries_carry_author_category_and_dates(client):
    author = make_user("hanako", first_name="Hanako", last_name="Yamada")
    books = make_category("Books", slug="books")
    make_post(
        "Dated",
        author=author,
        category=books,
        published_at=datetime(2024, 3, 1, 0, 30, tzinfo=TOKYO),
    )

    rss = feedparser.parse(client.get("/feeds/rss/").content)
    atom = feedparser.parse(client.get("/feeds/atom/").content)

    for feed in (rss, atom):
        [entry] = feed.entries
        assert entry.author == "Hanako Yamada"
        assert [t.term for t in entry.tags] == ["Books"]
        assert entry.published_parsed[:5] == (2024, 2, 29, 15, 30)  # in UTC
    assert atom.entries[0].updated_parsed is not None
    assert rss.feed.title == atom.feed.title == "Kiji"
    assert atom.feed.subtitle == "Long posts and the conversation under them."


def test_feed_links_point_at_the_blog_and_at_themselves(client):
    make_post()

    rss = feedparser.parse(client.get("/feeds/rss/").content)
    atom = feedparser.parse(client.get("/feeds/atom/").content)

    assert rss.feed.link == "http://testserver/"
    assert {link.href for link in atom.feed.links} >= {
        "http://testserver/",
        "http://testserver/feeds/atom/",
    }


def test_feed_is_limited_to_the_configured_number_of_newest_posts(client, settings):
    settings.KIJI_FEED_ITEMS = 3
    posts = [make_post(published_at=timezone.now() - timedelta(hours=n)) for n in range(1, 6)]

    feed = feedparser.parse(client.get("/feeds/atom/").content)

    assert [e.title for e in feed.entries] == [p.title for p in posts[:3]]


def test_feed_entry_link_of_a_japanese_slug_opens_the_post(client):
    post = make_post("京都の古本屋")

    [entry] = feedparser.parse(client.get("/feeds/rss/").content).entries
    path = entry.link.removeprefix("http://testserver")

    assert client.get(path).context["post"] == post


def test_unknown_category_feed_is_404(client):
    assert client.get("/category/no-such/feed/rss/").status_code == 404
    assert client.get("/category/no-such/feed/atom/").status_code == 404


def test_category_feed_has_its_own_title_and_answers_conditional_get(client):
    books = make_category("Books", slug="books", description="Reading notes.")
    make_post("In books", category=books)
    url = "/category/books/feed/rss/"

    first = client.get(url)
    feed = feedparser.parse(first.content)

    assert feed.feed.title == "Kiji: Books"
    assert feed.feed.description == "Reading notes."
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    assert first["ETag"] != client.get("/feeds/rss/")["ETag"]


def test_empty_feed_is_valid(client):
    feed = feedparser.parse(client.get("/feeds/rss/").content)

    assert not feed.bozo
    assert feed.entries == []


def parse_sitemap(content: bytes) -> dict[str, str | None]:
    namespace = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.fromstring(content)
    return {
        url.findtext("sm:loc", namespaces=namespace): url.findtext(
            "sm:lastmod", namespaces=namespace
        )
        for url in root.findall("sm:url", namespace)
    }


def test_sitemap_lists_the_index_posts_and_categories_with_published_posts(client):
    books = make_category("Books", slug="books")
    make_category("Empty", slug="empty")
    drafts_only = make_category("Drafts only", slug="drafts-only")
    post = make_post("京都の古本屋", category=books)
    make_post("Draft", category=drafts_only, status="draft")
    # 15:09 UTC is already the next day in Tokyo: the date must not be UTC's.
    edited = datetime(2026, 11, 26, 15, 9, 29, tzinfo=ZoneInfo("UTC"))
    Post.objects.filter(pk=post.pk).update(updated_at=edited)

    response = client.get("/sitemap.xml")
    urls = parse_sitemap(response.content)

    assert response["Content-Type"] == "application/xml"
    assert set(urls) == {
        "http://testserver/",
        "http://testserver" + post.get_absolute_url(),
        "http://testserver/category/books/",
    }
    assert urls["http://testserver" + post.get_absolute_url()] == "2026-11-27"


def test_feed_makes_site_relative_links_in_bodies_absolute(client):
    make_post(
        "Links",
        body="[earlier](/2024/01/01/old/) [elsewhere](https://example.org/x) ![i](/static/i.png)",
    )

    entry = feedparser.parse(client.get("/feeds/atom/").content).entries[0]

    assert 'href="http://testserver/2024/01/01/old/"' in entry.summary
    assert 'href="https://example.org/x"' in entry.summary
    assert 'src="http://testserver/static/i.png"' in entry.summary
