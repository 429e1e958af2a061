from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.utils import timezone
from django.utils.http import http_date

from tests.factories import make_category, make_post

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
