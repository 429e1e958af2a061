"""Long threads are paged: oldest first, links that work without JavaScript."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from blog.models import Post
from comments.models import Comment
from moderation.models import Status
from moderation.services import moderate
from pagecache import pages as pagecache
from tests.comments.helpers import send
from tests.factories import make_category, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_pages(settings):
    settings.KIJI_COMMENTS_PER_PAGE = 10


def thread(post, n: int, *, status=Status.APPROVED) -> list[Comment]:
    start = timezone.now() - timedelta(days=1)
    Comment.objects.bulk_create(
        Comment(
            post=post,
            author_name=f"R{i}",
            author_email=f"r{i}@example.com",
            text=f"number {i}",
            text_html=f"<p>number {i}.</p>",
            fingerprint=f"{post.pk}-{i:040d}",
            status=status,
            created_at=start + timedelta(minutes=i),
        )
        for i in range(n)
    )
    Comment.objects.filter(post=post).start_threads()
    return list(Comment.objects.filter(post=post).order_by("created_at", "id"))


def shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"<p>number (\d+)\.</p>", page)]


def test_the_post_page_shows_the_oldest_page_and_links_to_the_others(client, post):
    thread(post, 25)

    page = client.get(post.get_absolute_url()).content.decode()

    assert shown(page) == list(range(10))
    assert "25 comments" in page
    assert f'href="{post.get_absolute_url()}?page=2#comments" rel="next"' in page
    assert f'href="{post.get_absolute_url()}?page=3#comments"' in page
    assert "Comments page 1 of 3" in page


def test_a_later_page_shows_its_comments(client, post):
    thread(post, 25)

    page = client.get(post.get_absolute_url() + "?page=3").content.decode()

    assert shown(page) == list(range(20, 25))
    assert f'href="{post.get_absolute_url()}#comments" rel="prev"' not in page
    assert f'href="{post.get_absolute_url()}?page=2#comments" rel="prev"' in page


@pytest.mark.parametrize(
    ("asked", "canonical"),
    [
        ("junk1", ""),
        ("abc", ""),
        ("", ""),
        ("2.0", ""),
        ("1", ""),
        ("01", ""),
        ("02", "?page=2"),
        ("+3", "?page=3"),
        (" 2", "?page=2"),
        ("3 ", "?page=3"),
        ("\u0662", "?page=2"),
        ("4", "?page=3"),
        ("999", "?page=3"),
        ("0", "?page=3"),
        ("-1", "?page=3"),
    ],
)
def test_every_other_spelling_of_a_page_moves_to_its_one_address(client, post, asked, canonical):
    thread(post, 25)

    response = client.get(post.get_absolute_url(), {"page": asked})

    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url() + canonical


def test_a_page_asked_twice_moves_to_its_one_address(client, post):
    thread(post, 25)

    response = client.get(post.get_absolute_url() + "?page=2&page=3")

    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url() + "?page=3"


@pytest.mark.parametrize("asked", ["2", "3"])
def test_each_later_page_is_served_at_its_address(client, post, asked):
    thread(post, 25)

    response = client.get(post.get_absolute_url(), {"page": asked})

    assert response.status_code == 200
    assert f"Comments page {asked} of 3" in response.content.decode()


def test_the_address_of_a_page_that_no_longer_exists_moves_to_the_last_page(client, post):
    comments = thread(post, 25)
    Comment.objects.filter(pk__in=[c.pk for c in comments[15:]]).delete()

    response = client.get(post.get_absolute_url() + "?page=3", follow=True)

    assert response.redirect_chain == [(post.get_absolute_url() + "?page=2", 301)]
    assert shown(response.content.decode()) == list(range(10, 15))


def test_a_thread_without_comments_has_only_the_permalink(client, post):
    response = client.get(post.get_absolute_url() + "?page=2")

    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()


def test_a_preview_has_no_comment_pages(client, author):
    draft = make_post(status=Post.Status.DRAFT)
    thread(draft, 25)
    client.force_login(author)

    response = client.get(draft.get_absolute_url() + "?page=2")

    assert response.status_code == 301
    assert response["Location"] == draft.get_absolute_url()
    assert client.get(draft.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("query", ["?page=junk1&utm_source=feed", "?utm_source=feed&page=9"])
def test_other_query_parameters_leave_the_page_as_it_was(client, post, query):
    thread(post, 25)

    response = client.get(post.get_absolute_url() + query)

    assert response.status_code == 200
    assert "Comments page" in response.content.decode()


def test_a_junk_page_is_redirected_every_time_and_never_cached(
    client, post, django_assert_max_num_queries
):
    thread(post, 25)
    url = post.get_absolute_url() + "?page=junk1"
    first = client.get(url)

    with django_assert_max_num_queries(2):
        again = client.get(url)

    assert first.status_code == again.status_code == 301
    assert again["Location"] == post.get_absolute_url()
    # It went down to the view again: no stored page answered it.
    assert "kiji_page_cache_fill" in vars(again.wsgi_request)
    assert cache.get(pagecache._page_key(again.wsgi_request)) is None
    assert pagecache.local_pages.get(pagecache._page_key(again.wsgi_request)) is None
    assert not [key for key in cache._cache if ":kiji:page:" in key]


def test_a_short_thread_has_no_page_links(client, post):
    thread(post, 10)

    page = client.get(post.get_absolute_url()).content.decode()

    assert shown(page) == list(range(10))
    assert "comment-pages" not in page


def test_many_pages_are_elided(client, post):
    thread(post, 500)

    page = client.get(post.get_absolute_url() + "?page=25").content.decode()

    assert "&hellip;" in page
    assert f'href="{post.get_absolute_url()}?page=50#comments"' in page
    assert f'href="{post.get_absolute_url()}?page=10#comments"' not in page


def test_a_permalink_lands_on_the_page_that_shows_the_comment(client, post):
    comments = thread(post, 25)
    target = comments[14]

    response = client.get(target.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}?page=2#comment-{target.pk}"
    assert f'id="comment-{target.pk}"' in client.get(response["Location"]).content.decode()


def test_a_permalink_skips_comments_readers_do_not_see(client, post):
    comments = thread(post, 12)
    for hidden in comments[:5]:
        moderate(hidden, status=Status.SPAM)

    response = client.get(comments[11].get_absolute_url())

    assert response["Location"] == f"{post.get_absolute_url()}#comment-{comments[11].pk}"


def test_the_permalink_of_an_unapproved_comment_is_not_found(client, post):
    pending = thread(post, 1, status=Status.PENDING)[0]

    assert client.get(pending.get_absolute_url()).status_code == 404
    assert client.get("/comments/999999/").status_code == 404


def test_a_new_comment_on_a_long_thread_leads_its_author_to_the_last_page(post):
    thread(post, 25)
    visitor = Client()

    response = send(visitor, post, text="My late remark")

    comment = Comment.objects.get(text="My late remark")
    assert response["Location"] == f"{post.get_absolute_url()}?page=3#comment-{comment.pk}"
    last = visitor.get(post.get_absolute_url() + "?page=3").content.decode()
    first = visitor.get(post.get_absolute_url()).content.decode()
    assert "My late remark" in last
    assert "My late remark" not in first
    assert visitor.get(comment.get_absolute_url())["Location"] == response["Location"]


def test_the_authors_pending_comment_shows_once_at_its_place_in_a_full_page(post):
    thread(post, 20)
    visitor = Client()
    send(visitor, post, text="Right after the twentieth")

    pages = [
        visitor.get(post.get_absolute_url(), {"page": n}, follow=True).content.decode()
        for n in (1, 2, 3)
    ]

    assert [p.count("Right after the twentieth") for p in pages] == [0, 1, 1]
    # Page 3 does not exist: the request moves to the last page, 2.
    assert "Comments page 2 of 2" in pages[2]


@pytest.mark.parametrize("query", ["", "?page=2", "?page=30"])
def test_every_page_of_a_long_thread_takes_the_same_queries(
    client, django_assert_num_queries, query
):
    post = make_post(category=make_category())
    thread(post, 300)

    # As on any post page: the blog's 8, its featured image, one page of comments, the pings.
    with django_assert_num_queries(11):
        assert client.get(post.get_absolute_url() + query).status_code == 200


def test_approving_a_comment_refreshes_the_cached_later_page(client, post):
    waiting = thread(post, 15)[-1]
    moderate(waiting, status=Status.PENDING)
    client.get(post.get_absolute_url() + "?page=2")
    assert "number 14." not in client.get(post.get_absolute_url() + "?page=2").content.decode()

    moderate(waiting, status=Status.APPROVED)

    assert "number 14." in client.get(post.get_absolute_url() + "?page=2").content.decode()
