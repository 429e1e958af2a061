"""Long threads are paged: oldest first, links that work without JavaScript."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from comments.moderation import Status, moderate
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


def test_a_later_page_shows_its_comments_numbered_on(client, post):
    thread(post, 25)

    page = client.get(post.get_absolute_url() + "?page=3").content.decode()

    assert shown(page) == list(range(20, 25))
    assert '<ol class="comment-list" start="21">' in page
    assert f'href="{post.get_absolute_url()}#comments" rel="prev"' not in page
    assert f'href="{post.get_absolute_url()}?page=2#comments" rel="prev"' in page


@pytest.mark.parametrize(("asked", "expected"), [("99", 3), ("0", 3), ("abc", 1), ("-1", 3)])
def test_odd_page_numbers_fall_back_to_a_real_page(client, post, asked, expected):
    thread(post, 25)

    page = client.get(post.get_absolute_url(), {"page": asked}).content.decode()

    assert f"Comments page {expected} of 3" in page


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

    pages = [visitor.get(post.get_absolute_url(), {"page": n}).content.decode() for n in (1, 2, 3)]

    assert [p.count("Right after the twentieth") for p in pages] == [0, 1, 1]
    # Page 3 does not exist: the request falls back to the last page, 2.
    assert "Comments page 2 of 2" in pages[2]


@pytest.mark.parametrize("page", ["1", "2", "30"])
def test_every_page_of_a_long_thread_takes_the_same_queries(
    client, django_assert_num_queries, page
):
    post = make_post(category=make_category())
    thread(post, 300)

    # As on any post page: the blog's 7, one page of comments, the pings.
    with django_assert_num_queries(9):
        client.get(post.get_absolute_url(), {"page": page})


def test_approving_a_comment_refreshes_the_cached_later_page(client, post):
    waiting = thread(post, 15)[-1]
    moderate(waiting, status=Status.PENDING)
    client.get(post.get_absolute_url() + "?page=2")
    assert "number 14." not in client.get(post.get_absolute_url() + "?page=2").content.decode()

    moderate(waiting, status=Status.APPROVED)

    assert "number 14." in client.get(post.get_absolute_url() + "?page=2").content.decode()
