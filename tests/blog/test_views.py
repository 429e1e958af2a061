from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Post, Tag
from tests.factories import make_category, make_post, make_user

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def hidden_posts():
    """A draft and a scheduled post with titles that must never reach a reader."""
    category = make_category("Hidden things")
    tag = Tag.objects.create(name="hidden-tag")
    return [
        make_post("SECRET DRAFT", status=Post.Status.DRAFT, category=category, tags=[tag]),
        make_post(
            "SECRET SCHEDULED",
            published_at=timezone.now() + timedelta(days=2),
            category=category,
            tags=[tag],
        ),
    ]


def test_index_lists_published_posts_newest_first(client):
    old = make_post("Older post", published_at=timezone.now() - timedelta(days=5))
    new = make_post("Newer post", published_at=timezone.now() - timedelta(days=1))

    response = client.get(reverse("blog:index"))

    assert response.status_code == 200
    assert list(response.context["posts"]) == [new, old]
    assert "0 comments" in response.content.decode()


def test_index_is_paginated(client, settings):
    settings.KIJI_POSTS_PER_PAGE = 2
    for _ in range(5):
        make_post()

    assert len(client.get("/").context["posts"]) == 2
    assert len(client.get("/?page=3").context["posts"]) == 1
    assert client.get("/?page=9").status_code == 404


def test_post_page_shows_post_navigation_and_related_posts(client):
    category = make_category("Books")
    older = make_post("Older", category=category, published_at=timezone.now() - timedelta(days=3))
    post = make_post("Middle", category=category, published_at=timezone.now() - timedelta(days=2))
    newer = make_post("Newer", published_at=timezone.now() - timedelta(days=1))

    response = client.get(post.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["previous_post"] == older
    assert response.context["next_post"] == newer
    assert list(response.context["related_posts"]) == [older]
    assert f'href="{older.get_absolute_url()}"' in html
    assert 'href="/"' in html
    assert "Posted by" in html
    assert '<meta property="og:title" content="Middle">' in html


def test_post_page_with_a_wrong_date_redirects_to_the_permalink(client):
    post = make_post("Moved")

    response = client.get(f"/2001/01/01/{post.slug}/")

    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()


def test_a_wrong_date_keeps_the_page_of_comments_asked_for(client):
    post = make_post("Moved")

    response = client.get(f"/2001/01/01/{post.slug}/?page=2")

    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url() + "?page=2"


def test_japanese_slug_permalink_resolves(client):
    post = make_post("京都の古本屋を歩く")

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert response.context["post"] == post


def test_post_published_just_after_midnight_in_tokyo_is_in_that_days_archives(client):
    post = make_post("Midnight", published_at=datetime(2024, 3, 1, 0, 30, tzinfo=TOKYO))

    assert client.get("/2024/03/01/midnight/").status_code == 200
    assert post in client.get("/2024/03/").context["posts"]
    assert client.get("/2024/02/").status_code == 404


def test_year_archive_lists_months_with_counts(client):
    make_post(published_at=datetime(2023, 5, 2, 12, tzinfo=TOKYO))
    make_post(published_at=datetime(2023, 5, 20, 12, tzinfo=TOKYO))
    make_post(published_at=datetime(2023, 11, 1, 0, 5, tzinfo=TOKYO))

    response = client.get("/2023/")

    months = [(m["month"].month, m["count"]) for m in response.context["months"]]
    assert months == [(11, 1), (5, 2)]
    assert client.get("/2022/").status_code == 404


def test_category_and_tag_archives(client):
    category = make_category("料理")
    tag = Tag.objects.create(name="漬物")
    post = make_post("ぬか床", category=category, tags=[tag])
    make_post("Elsewhere")

    assert list(client.get(category.get_absolute_url()).context["posts"]) == [post]
    assert list(client.get(tag.get_absolute_url()).context["posts"]) == [post]
    assert client.get("/category/no-such/").status_code == 404


def test_search_finds_japanese_text(client):
    post = make_post("梅雨の読書", body="積んであった本を崩す")

    response = client.get(reverse("blog:search"), {"q": "本を崩"})

    assert list(response.context["posts"]) == [post]
    assert client.get(reverse("blog:search")).status_code == 200


@pytest.mark.usefixtures("hidden_posts")
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search/?q=SECRET",
        "/category/hidden-things/",
        "/tag/hidden-tag/",
        "/feeds/rss/",
        "/feeds/atom/",
        "/category/hidden-things/feed/rss/",
        "/category/hidden-things/feed/atom/",
        "/sitemap.xml",
        "/archives/",
    ],
)
def test_unpublished_posts_never_reach_readers(client, url):
    make_post("Public post")

    response = client.get(url)

    assert response.status_code == 200
    assert "SECRET DRAFT" not in response.content.decode()
    assert "SECRET SCHEDULED" not in response.content.decode()


def test_unpublished_post_pages_are_404_for_readers_and_previewable_by_staff(client, hidden_posts):
    for post in hidden_posts:
        assert client.get(post.get_absolute_url()).status_code == 404

    client.force_login(make_user("editor", is_staff=True))
    for post in hidden_posts:
        response = client.get(post.get_absolute_url())
        assert response.status_code == 200
        assert "Preview: readers cannot see this post yet." in response.content.decode()


def test_unpublished_posts_are_not_previous_or_next(client, hidden_posts):
    post = make_post("Only public post", published_at=timezone.now() - timedelta(days=3))

    response = client.get(post.get_absolute_url())

    assert response.context["previous_post"] is None
    assert response.context["next_post"] is None


def test_year_and_month_archives_ignore_unpublished_posts(client):
    make_post(status=Post.Status.DRAFT, published_at=datetime(2020, 6, 1, 12, tzinfo=TOKYO))

    assert client.get("/2020/").status_code == 404
    assert client.get("/2020/06/").status_code == 404


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def test_friendly_404_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_japanese_interface_with_language_code_ja(client, settings):
    settings.LANGUAGE_CODE = "ja"
    make_post("日本語の記事")

    html = client.get("/").content.decode()

    assert '<html lang="ja">' in html
    assert "件のコメント" in html


@pytest.mark.parametrize("n_posts", [1, 25])
def test_index_takes_a_fixed_number_of_queries(client, django_assert_num_queries, n_posts):
    category = make_category()
    tag = Tag.objects.create(name="t")
    for _ in range(n_posts):
        make_post(category=category, tags=[tag])

    # posts page + count, tags prefetch, sidebar categories, months' span and months
    with django_assert_num_queries(6):
        client.get("/")


@pytest.mark.parametrize("n_posts", [2, 30])
def test_post_page_takes_a_fixed_number_of_queries(client, django_assert_num_queries, n_posts):
    category = make_category()
    posts = [make_post(category=category) for _ in range(n_posts)]

    # post, tags, previous, next, related, sidebar categories, months' span and months,
    # comments, pings, and the featured image (media: none here)
    with django_assert_num_queries(11):
        client.get(posts[n_posts // 2].get_absolute_url())


@pytest.mark.parametrize("query", ["", "   ", "x" * 5000, "<script>", "%", "_"])
def test_search_copes_with_odd_queries(client, query):
    make_post("100% pure_text")

    response = client.get(reverse("blog:search"), {"q": query})

    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</head>")[1]
    if not query.strip():
        assert list(response.context["posts"]) == []


def test_year_archive_links_only_to_years_with_posts(client):
    make_post(published_at=datetime(2021, 5, 2, 12, tzinfo=TOKYO))
    make_post(published_at=datetime(2023, 5, 2, 12, tzinfo=TOKYO))

    response = client.get("/2023/")

    assert response.context["previous_year"].year == 2021
    assert response.context["next_year"] is None
    assert 'href="/2022/"' not in response.content.decode()


def test_staff_preview_says_when_discussion_opens_instead_of_closed(client, hidden_posts):
    client.force_login(make_user("previewer", is_staff=True))

    html = client.get(hidden_posts[1].get_absolute_url()).content.decode()

    assert "Comments and TrackBacks open here once the post is published." in html
    assert "Comments are closed" not in html
    assert "/comments/feeds/post/" not in html
