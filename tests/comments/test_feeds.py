from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from moderation.models import Status
from tests.comments.helpers import make_comment
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def entries(client, url: str) -> list:
    response = client.get(url)
    assert response.status_code == 200
    return feedparser.parse(response.content).entries


@pytest.mark.parametrize("name", ["comments:feed-rss", "comments:feed-atom"])
def test_site_feed_has_only_approved_comments_on_published_posts_newest_first(client, post, name):
    now = timezone.now()
    make_comment(post, author_name="Old", created_at=now - timedelta(hours=2))
    new = make_comment(post, author_name="New", created_at=now - timedelta(hours=1))
    for status in (Status.PENDING, Status.SPAM, Status.REJECTED):
        make_comment(post, author_name=f"Hidden {status}", status=status)
    make_comment(make_post(status=Post.Status.DRAFT), author_name="On a draft")

    items = entries(client, reverse(name))

    assert [e.author for e in items] == ["New", "Old"]
    assert items[0].link.endswith(new.get_absolute_url())
    assert post.title in items[0].title


def test_feed_entry_carries_the_rendered_text(client, post):
    make_comment(post, text="See https://example.com/\n\nSecond.")

    [entry] = entries(client, reverse("comments:feed-atom"))

    assert '<a href="https://example.com/" rel="nofollow ugc noopener">' in entry.summary
    assert "<p>Second.</p>" in entry.summary


@pytest.mark.parametrize("name", ["comments:post-feed-rss", "comments:post-feed-atom"])
def test_post_feed_has_only_that_posts_comments(client, post, name):
    make_comment(post, author_name="Here")
    make_comment(make_post(), author_name="Elsewhere")

    items = entries(client, reverse(name, kwargs={"post_id": post.pk}))

    assert [e.author for e in items] == ["Here"]


def test_post_feed_of_a_draft_or_missing_post_is_not_found(client):
    draft = make_post(status=Post.Status.DRAFT)
    make_comment(draft)

    assert client.get(reverse("comments:post-feed-rss", args=[draft.pk])).status_code == 404
    assert client.get(reverse("comments:post-feed-atom", args=[99999])).status_code == 404


def test_feed_length_follows_the_setting(client, post, settings):
    settings.KIJI_FEED_ITEMS = 3
    for _ in range(5):
        make_comment(post)

    assert len(entries(client, reverse("comments:feed-rss"))) == 3


def test_post_page_links_its_comment_feed(client, post):
    html = client.get(post.get_absolute_url()).content.decode()

    feed = reverse("comments:post-feed-atom", kwargs={"post_id": post.pk})
    assert '<link rel="alternate" type="application/atom+xml" title="Comments on' in html
    assert f'href="{feed}"' in html


def test_approving_an_older_comment_moves_the_post_feeds_last_modified(client, post):
    from moderation.services import moderate

    now = timezone.now()
    held = make_comment(
        post, status=Status.PENDING, text="Held a day", created_at=now - timedelta(days=1)
    )
    make_comment(post, text="Approved at once", created_at=now - timedelta(hours=1))
    url = reverse("comments:post-feed-atom", kwargs={"post_id": post.pk})
    first = client.get(url)

    moderate(held, status=Status.APPROVED)
    since = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert since.status_code == 200
    assert "Held a day" in since.content.decode()
