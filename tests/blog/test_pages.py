"""Every reader page: meta tags, canonical URLs, structure, pagination and query counts."""

from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Tag
from tests.factories import make_category, make_post

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


class PageOutline(HTMLParser):
    """The parts of a page that its meta and structure tests look at."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.tags: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        if tag == "link" and attrs.get("rel") == "canonical":
            self.links["canonical"] = attrs["href"]
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def outline(response) -> PageOutline:
    parser = PageOutline()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def blog():
    """A small blog with one of every page type, at fixed dates."""
    books = make_category("Books", slug="books", description="Reading notes.")
    tag = Tag.objects.create(name="kyoto", slug="kyoto")
    older = make_post(
        "Older post", category=books, published_at=datetime(2024, 2, 10, 9, tzinfo=TOKYO)
    )
    post = make_post(
        "京都の古本屋",
        body="寺町通りの古本屋。",
        excerpt="古本屋を歩いた記録。",
        category=books,
        tags=[tag],
        published_at=datetime(2024, 3, 1, 0, 30, tzinfo=TOKYO),
    )
    return {"category": books, "tag": tag, "post": post, "older": older}


def reader_pages(blog) -> dict[str, str]:
    return {
        "index": "/",
        "post": blog["post"].get_absolute_url(),
        "category": "/category/books/",
        "tag": "/tag/kyoto/",
        "month": "/2024/03/",
        "year": "/2024/",
        "archives": "/archives/",
        "search": "/search/?q=古本",
    }


PAGE_TYPES = ["index", "post", "category", "tag", "month", "year", "archives", "search"]


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_every_page_has_one_h1_a_main_and_complete_meta(client, blog, page_type):
    response = client.get(reader_pages(blog)[page_type])
    page = outline(response)

    assert response.status_code == 200
    assert page.tags.count("h1") == 1
    assert page.tags.count("main") == 1
    assert page.title.strip().endswith("| Kiji") or page_type == "index"
    for name in ["description", "og:title", "og:description", "og:url", "og:type"]:
        assert page.meta.get(name), name
    assert page.meta["og:url"] == page.links["canonical"]
    assert page.links["canonical"].startswith("http://testserver/")


@pytest.mark.parametrize(
    ("page_type", "title", "og_title", "description"),
    [
        ("index", "Kiji", "Kiji", "Long posts and the conversation under them."),
        ("post", "京都の古本屋 | Kiji", "京都の古本屋", "古本屋を歩いた記録。"),
        ("category", "Books | Kiji", "Books", "Reading notes."),
        ("tag", "kyoto | Kiji", "kyoto", "Posts tagged “kyoto”."),
        ("month", "March 2024 | Kiji", "Archive: March 2024", "Posts published in March 2024."),
        ("year", "2024 | Kiji", "Archive: 2024", "Posts published in 2024, month by month."),
        ("archives", "Archives | Kiji", "Archives", "Every month with posts, year by year."),
    ],
)
def test_page_titles_and_descriptions(client, blog, page_type, title, og_title, description):
    page = outline(client.get(reader_pages(blog)[page_type]))

    assert page.title.strip() == title
    assert page.meta["og:title"] == og_title
    assert page.meta["description"] == description


def test_post_page_is_an_article_with_its_dates_and_tags(client, blog):
    page = outline(client.get(blog["post"].get_absolute_url()))

    assert page.meta["og:type"] == "article"
    assert page.meta["article:published_time"] == "2024-03-01T00:30:00+09:00"
    assert page.meta["article:section"] == "Books"
    assert page.meta["article:tag"] == "kyoto"
    assert page.links["canonical"] == "http://testserver" + blog["post"].get_absolute_url()


def test_canonical_url_drops_tracking_parameters(client, blog):
    page = outline(client.get("/", {"utm_source": "newsletter", "ref": "x"}))

    assert page.links["canonical"] == "http://testserver/"
    assert page.meta["og:url"] == "http://testserver/"


def test_canonical_url_of_later_pages_keeps_the_page_number(client, settings):
    settings.KIJI_POSTS_PER_PAGE = 1
    make_post()
    make_post()

    first = outline(client.get("/", {"page": 1}))
    second = outline(client.get("/", {"page": 2, "utm_source": "x"}))

    assert first.links["canonical"] == "http://testserver/"
    assert second.links["canonical"] == "http://testserver/?page=2"
    assert second.title.strip() == "Kiji (page 2)"


def test_search_pages_are_not_indexed(client, blog):
    assert outline(client.get("/search/", {"q": "古本"})).meta["robots"] == "noindex"


def test_pagination_links_keep_the_query_string(client, settings):
    settings.KIJI_POSTS_PER_PAGE = 2
    for n in range(5):
        make_post(f"古本 {n}")

    page_two = client.get("/search/", {"q": "古本", "page": 2}).content.decode()

    assert 'rel="next" href="?q=%E5%8F%A4%E6%9C%AC&amp;page=3"' in page_two
    # Back to page 1 drops the page parameter but keeps the search.
    assert 'rel="prev" href="?q=%E5%8F%A4%E6%9C%AC"' in page_two


def test_pagination_link_back_to_the_first_page_of_the_index_is_the_index(client, settings):
    settings.KIJI_POSTS_PER_PAGE = 1
    make_post()
    make_post()

    assert 'rel="prev" href="/"' in client.get("/", {"page": 2}).content.decode()


def test_archives_page_lists_every_month_by_year(client):
    make_post("A", published_at=datetime(2023, 12, 31, 23, 30, tzinfo=TOKYO))
    make_post("B", published_at=datetime(2024, 1, 1, 0, 30, tzinfo=TOKYO))
    make_post("C", published_at=datetime(2024, 1, 15, 12, tzinfo=TOKYO))

    html = client.get("/archives/").content.decode()

    assert html.index('href="/2024/"') < html.index('href="/2023/"')
    assert 'href="/2024/01/">January 2024</a>\n      2 posts' in html
    assert 'href="/2023/12/">December 2023</a>\n      1 post' in html


def test_archives_page_of_an_empty_blog(client):
    response = client.get("/archives/")

    assert response.status_code == 200
    assert "Nothing has been published yet." in response.content.decode()


def test_month_archive_links_to_neighbouring_months_and_its_year(client):
    make_post(published_at=datetime(2024, 1, 5, 12, tzinfo=TOKYO))
    make_post(published_at=datetime(2024, 3, 5, 12, tzinfo=TOKYO))
    make_post(published_at=datetime(2024, 5, 5, 12, tzinfo=TOKYO))

    html = client.get("/2024/03/").content.decode()

    assert 'href="/2024/01/">&laquo; January 2024</a>' in html
    assert 'href="/2024/05/">May 2024 &raquo;</a>' in html
    assert 'href="/2024/">2024</a>' in html


def test_month_archive_rejects_a_bad_month(client):
    assert client.get("/2024/13/").status_code == 404
    assert client.get("/2024/xx/").status_code == 404


def test_summaries_show_excerpt_date_category_and_counts(client, blog):
    html = client.get("/").content.decode()

    assert "古本屋を歩いた記録。" in html
    assert '<time datetime="2024-03-01T00:30:00+09:00">March 1, 2024</time>' in html
    assert 'href="/category/books/">Books</a>' in html
    assert "0 comments" in html and "0 trackbacks" in html


def test_sidebar_counts_only_published_posts(client, blog):
    make_post("Draft", category=blog["category"], status="draft")
    make_post("Later", category=blog["category"], published_at=timezone.now() + timedelta(days=1))

    html = client.get("/").content.decode()

    assert 'href="/category/books/">Books</a> (2)' in html
    assert 'href="/2024/03/">March 2024</a> (1)' in html


# Query counts of every reader page, the same whatever the number of posts.
# index, search: posts page + count, tags prefetch, sidebar (2); category, tag: + the archive
# post: post, tags, previous, next, related, sidebar (2)
# month: any posts?, previous and next month, page + count, tags, sidebar (2)
# year: months of the year, date list, sidebar (2); archives: months, sidebar (2)
# feeds: newest dates for ETag and Last-Modified, posts (+ the category)
# sitemap: posts, categories + their count, per the sitemap framework
# The sidebar's months take two queries (`blog.months.month_counts`), and so do the
# year and archive pages' own.
EXPECTED_QUERIES = {
    "index": 6,
    # 8 for the blog + the approved comments + the approved pings + the featured image (media)
    "post": 11,
    "category": 7,
    "tag": 7,
    "month": 9,
    "year": 6,
    "archives": 5,
    "search": 6,
    "feed": 3,  # 2 + the featured images of the page of posts (media)
    "category feed": 4,
    "sitemap": 4,
}


def populate(n_posts: int) -> dict:
    books = make_category("Books", slug="books")
    tag = Tag.objects.create(name="kyoto", slug="kyoto")
    posts = [
        make_post(
            f"古本 {n}",
            category=books,
            tags=[tag],
            published_at=datetime(2024, 3, 1, 9, tzinfo=TOKYO) + timedelta(hours=n),
        )
        for n in range(n_posts)
    ]
    return {
        **reader_pages({"post": posts[n_posts // 2]}),
        "feed": "/feeds/rss/",
        "category feed": "/category/books/feed/atom/",
        "sitemap": "/sitemap.xml",
    }


@pytest.mark.parametrize("n_posts", [3, 40])
@pytest.mark.parametrize("page_type", list(EXPECTED_QUERIES))
def test_every_reader_page_takes_a_fixed_number_of_queries(client, n_posts, page_type):
    url = populate(n_posts)[page_type]

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert len(queries) == EXPECTED_QUERIES[page_type], [q["sql"] for q in queries]


@pytest.mark.parametrize(("url", "status"), [("/robots.txt", 200), ("/no/such/page/", 404)])
def test_robots_and_not_found_pages_need_no_queries(client, django_assert_num_queries, url, status):
    with django_assert_num_queries(0):
        assert client.get(url).status_code == status


def test_not_found_page_offers_search_and_is_not_indexed(client):
    response = client.get("/category/no-such/")
    page = outline(response)

    assert response.status_code == 404
    assert page.meta["robots"] == "noindex"
    assert page.tags.count("h1") == 1
    assert 'action="/search/"' in response.content.decode()
