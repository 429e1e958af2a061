from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import site
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import uri_to_iri

from blog.admin import PostAdmin
from blog.models import Category, Post, Tag
from tests.factories import make_category, make_post, make_user

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
CHANGELIST = reverse("admin:blog_post_changelist")


@pytest.fixture
def staff_client(client, author):
    client.force_login(author)
    return client


@pytest.fixture
def posts():
    now = timezone.now()
    return {
        "live": make_post("Live post", body="about gardens", published_at=now - timedelta(days=1)),
        "scheduled": make_post("Scheduled post", published_at=now + timedelta(days=3)),
        "draft": make_post("Draft post", status=Post.Status.DRAFT, body="about 庭"),
    }


def prepopulated(response) -> list[tuple[str, list[str]]]:
    return [
        (field["field"].name, [dependency.name for dependency in field["dependencies"]])
        for field in response.context["adminform"].prepopulated_fields
    ]


def changelist_titles(response) -> set[str]:
    return {post.title for post in response.context["cl"].result_list}


def test_changelist_shows_every_post_with_its_state(staff_client, posts):
    response = staff_client.get(CHANGELIST)
    html = response.content.decode()

    assert response.status_code == 200
    assert changelist_titles(response) == {"Live post", "Scheduled post", "Draft post"}
    assert f'href="{posts["live"].get_absolute_url()}">View</a>' in html
    assert f'href="{posts["draft"].get_absolute_url()}">Preview</a>' in html


def test_changelist_is_closed_to_readers(client, posts):
    client.force_login(make_user("reader"))

    assert client.get(CHANGELIST).status_code == 302


def test_changelist_takes_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    for n in range(30):
        make_post(category=make_category(f"C{n}"))

    # session, user, counts, page of posts, filter choices (categories, authors), date hierarchy
    with django_assert_max_num_queries(12):
        assert staff_client.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Live", {"Live post"}), ("gardens", {"Live post"}), ("庭", {"Draft post"})],
)
def test_search_looks_in_titles_and_bodies(staff_client, posts, query, expected):
    response = staff_client.get(CHANGELIST, {"q": query})

    assert changelist_titles(response) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"visibility": "live"}, {"Live post"}),
        ({"visibility": "scheduled"}, {"Scheduled post"}),
        ({"visibility": "draft"}, {"Draft post"}),
        ({"status__exact": "published"}, {"Live post", "Scheduled post"}),
    ],
)
def test_status_and_visibility_filters(staff_client, posts, params, expected):
    response = staff_client.get(CHANGELIST, params)

    assert changelist_titles(response) == expected


def test_date_filter_and_date_hierarchy(staff_client):
    make_post("March", published_at=datetime(2024, 3, 1, 0, 30, tzinfo=TOKYO))
    make_post("April", published_at=datetime(2024, 4, 2, 12, tzinfo=TOKYO))

    by_hierarchy = staff_client.get(
        CHANGELIST, {"published_at__year": 2024, "published_at__month": 3}
    )
    by_range = staff_client.get(
        CHANGELIST,
        {
            "published_at__gte": "2024-04-01 00:00:00+09:00",
            "published_at__lt": "2024-05-01 00:00:00+09:00",
        },
    )

    assert changelist_titles(by_hierarchy) == {"March"}
    assert changelist_titles(by_range) == {"April"}


def test_category_filter(staff_client):
    books = make_category("Books")
    make_post("In books", category=books)
    make_post("Elsewhere")

    response = staff_client.get(CHANGELIST, {"category__id__exact": books.pk})

    assert changelist_titles(response) == {"In books"}


def test_publish_action_publishes_drafts_and_warns_about_future_dates(staff_client):
    draft = make_post("Draft", status=Post.Status.DRAFT)
    future = make_post(
        "Future", status=Post.Status.DRAFT, published_at=timezone.now() + timedelta(days=1)
    )

    response = staff_client.post(
        CHANGELIST,
        {"action": "publish", "_selected_action": [draft.pk, future.pk]},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]

    draft.refresh_from_db()
    future.refresh_from_db()
    assert draft.status == future.status == Post.Status.PUBLISHED
    assert draft.is_published() and not future.is_published()
    assert "2 posts published." in messages
    assert "1 of them has a future publish date: readers see it from then on." in messages


def test_unpublish_action_moves_posts_back_to_drafts(staff_client, posts, client):
    staff_client.post(
        CHANGELIST,
        {"action": "unpublish", "_selected_action": [posts["live"].pk, posts["draft"].pk]},
    )

    posts["live"].refresh_from_db()
    assert posts["live"].status == Post.Status.DRAFT
    assert not Post.objects.published().exists()


def test_actions_need_the_change_permission(rf):
    viewer = make_user("viewer", is_staff=True)
    request = rf.get(CHANGELIST)
    request.user = viewer

    assert "publish" not in PostAdmin(Post, site).get_actions(request)


def test_add_form_prepopulates_the_slug_and_the_author(staff_client, author):
    response = staff_client.get(reverse("admin:blog_post_add"))

    assert response.status_code == 200
    assert response.context["adminform"].form.initial["author"] == author.pk
    assert prepopulated(response) == [("slug", ["title"])]


def test_adding_a_post_in_the_admin_renders_and_keeps_a_japanese_slug(staff_client, author):
    response = staff_client.post(
        reverse("admin:blog_post_add"),
        {
            "title": "秋の読書",
            "slug": "秋の読書",
            "body_format": "markdown",
            "body": "**本**を読む。",
            "excerpt": "",
            "status": "published",
            "published_at_0": "2024-10-01",
            "published_at_1": "09:00:00",
            "author": author.pk,
            "comments_enabled": "on",
        },
    )

    assert response.status_code == 302
    post = Post.objects.get(slug="秋の読書")
    assert post.body_html == "<p><strong>本</strong>を読む。</p>"
    assert uri_to_iri(post.get_absolute_url()) == "/2024/10/01/秋の読書/"


def test_view_on_site_leads_staff_to_the_post_even_as_a_draft(staff_client, posts):
    draft = posts["draft"]
    change = staff_client.get(reverse("admin:blog_post_change", args=[draft.pk]))
    view_on_site = reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(Post).pk, draft.pk]
    )

    assert f'href="{view_on_site}"' in change.content.decode()
    redirect = staff_client.get(view_on_site)
    assert redirect.status_code == 302
    assert redirect["Location"].endswith(draft.get_absolute_url())

    preview = staff_client.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "Preview: readers cannot see this post yet." in preview.content.decode()
    assert '<meta name="robots" content="noindex">' in preview.content.decode()


def test_category_and_tag_changelists_count_only_published_posts(staff_client, posts):
    books = make_category("Books")
    tag = Tag.objects.create(name="kyoto")
    make_post("Public", category=books, tags=[tag])
    make_post("Hidden", category=books, tags=[tag], status=Post.Status.DRAFT)

    for model, obj in [(Category, books), (Tag, tag)]:
        url = reverse(f"admin:blog_{model._meta.model_name}_changelist")
        response = staff_client.get(url, {"q": obj.name})
        [row] = response.context["cl"].result_list
        assert row.published_posts == 1


def test_category_add_form_prepopulates_its_slug(staff_client):
    response = staff_client.get(reverse("admin:blog_category_add"))

    assert prepopulated(response) == [("slug", ["name"])]
