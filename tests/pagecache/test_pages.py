"""The page cache: anonymous readers get cached pages, every change shows at once."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from blog.models import Post, Tag
from blog.templatetags.blog_tags import blog_sidebar
from comments.models import Comment
from moderation.models import Status
from moderation.services import moderate
from pagecache import pages as pagecache
from tests.comments.helpers import form_data, make_comment, send
from tests.factories import make_category, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _comment_defaults(settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    settings.KIJI_COMMENTS_PER_MINUTE = 1000


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def warm(client, *urls: str) -> None:
    """Fill the cache with each page and check the second request comes from it."""
    for url in urls:
        client.get(url)
        assert "kiji_page_cache_fill" not in vars(client.get(url).wsgi_request)


@pytest.fixture
def post():
    return make_post("Cached post", category=make_category("Essays"))


def test_a_second_anonymous_request_is_answered_from_the_cache(
    client, post, django_assert_num_queries
):
    first = html(client, post.get_absolute_url())

    with django_assert_num_queries(0):
        second = html(client, post.get_absolute_url())

    def without_visitor_values(page: str) -> str:
        return page.replace(csrf(page), "").replace(form_token(page), "")

    assert without_visitor_values(second) == without_visitor_values(first)


def test_the_cache_can_be_turned_off(client, post, settings, django_assert_max_num_queries):
    settings.KIJI_PAGE_CACHE_SECONDS = 0
    client.get(post.get_absolute_url())

    with django_assert_max_num_queries(20) as captured:
        client.get(post.get_absolute_url())
    assert len(captured) > 0


# Freshness: each kind of change shows on the very next request.


def test_approving_a_comment_shows_it_at_once(client, post):
    comment = make_comment(post, status=Status.PENDING, text="Waiting for approval")
    warm(client, post.get_absolute_url(), "/")
    assert "Waiting for approval" not in html(client, post.get_absolute_url())

    moderate(comment, status=Status.APPROVED)

    assert "Waiting for approval" in html(client, post.get_absolute_url())
    assert "1 comment" in html(client, "/")


@pytest.mark.parametrize("status", [Status.REJECTED, Status.SPAM, Status.PENDING])
def test_taking_back_an_approved_comment_hides_it_at_once(client, post, status):
    comment = make_comment(post, text="Approved words")
    warm(client, post.get_absolute_url())

    moderate(comment, status=status)

    assert "Approved words" not in html(client, post.get_absolute_url())


def test_deleting_an_approved_comment_hides_it_at_once(client, post):
    comment = make_comment(post, text="Soon deleted")
    warm(client, post.get_absolute_url())

    comment.delete()

    assert "Soon deleted" not in html(client, post.get_absolute_url())


def test_deleting_comments_in_the_admin_hides_them_at_once(admin_client, client, post):
    comment = make_comment(post, text="Deleted from the desk")
    warm(client, post.get_absolute_url())

    admin_client.post(
        reverse("admin:comments_comment_changelist") + "?status=all",
        {"action": "delete_selected", "_selected_action": [comment.pk], "post": "yes"},
    )

    assert not Comment.objects.exists()
    assert "Deleted from the desk" not in html(client, post.get_absolute_url())


def test_editing_an_approved_comment_shows_the_new_text(client, post):
    comment = make_comment(post, text="Old wording")
    warm(client, post.get_absolute_url())

    comment.text = "New wording"
    comment.save()

    assert "New wording" in html(client, post.get_absolute_url())


def test_a_comment_approved_on_arrival_shows_at_once(client, post, settings):
    settings.KIJI_COMMENTS_AUTO_APPROVE_KNOWN = True
    make_comment(post, author_email="known@example.com", text="First, approved")
    warm(client, post.get_absolute_url())

    send(Client(), post, email="known@example.com", text="Second, known commenter")

    assert Comment.objects.get(text="Second, known commenter").status == Status.APPROVED
    assert "Second, known commenter" in html(client, post.get_absolute_url())


def test_a_pending_comment_leaves_cached_pages_alone(client, post):
    warm(client, post.get_absolute_url())
    generation = pagecache.current_state()["generation"]

    send(Client(), post, text="Held for moderation")

    assert pagecache.current_state()["generation"] == generation


def test_editing_a_post_shows_the_new_text_everywhere(client, post):
    warm(client, post.get_absolute_url(), "/", reverse("blog:feed-rss"))

    post.title = "Renamed post"
    post.save()

    for url in (post.get_absolute_url(), "/", reverse("blog:feed-rss")):
        assert "Renamed post" in html(client, url)


def test_a_new_post_changes_the_index_and_the_previous_posts_next_link(client, post):
    warm(client, post.get_absolute_url(), "/")

    newer = make_post("Brand new post", published_at=timezone.now() - timedelta(minutes=1))

    assert "Brand new post" in html(client, "/")
    assert f'href="{newer.get_absolute_url()}"' in html(client, post.get_absolute_url())


def test_a_scheduled_post_appears_when_its_time_comes(client, post, time_machine, settings):
    settings.KIJI_PAGE_CACHE_SECONDS = 7 * 24 * 3600  # the entry itself outlives the wait
    later = timezone.now() + timedelta(hours=2)
    make_post("Scheduled post", published_at=later)
    warm(client, "/")
    assert "Scheduled post" not in html(client, "/")

    time_machine.move_to(later + timedelta(seconds=1))

    assert "Scheduled post" in html(client, "/")


def test_discussion_closing_with_age_removes_the_form_when_it_closes(
    client, settings, time_machine
):
    settings.KIJI_CLOSE_DISCUSSION_AFTER_DAYS = 30
    settings.KIJI_PAGE_CACHE_SECONDS = 7 * 24 * 3600
    post = make_post("Ageing post", published_at=timezone.now() - timedelta(days=29))
    warm(client, post.get_absolute_url())
    assert 'name="text"' in html(client, post.get_absolute_url())

    time_machine.move_to(timezone.now() + timedelta(days=1, seconds=1))

    assert 'name="text"' not in html(client, post.get_absolute_url())


def test_unpublishing_in_the_admin_removes_the_post_at_once(admin_client, client, post):
    warm(client, post.get_absolute_url(), "/")

    admin_client.post(
        reverse("admin:blog_post_changelist"),
        {"action": "unpublish", "_selected_action": [post.pk]},
    )

    assert Post.objects.get().status == Post.Status.DRAFT
    assert client.get(post.get_absolute_url()).status_code == 404
    assert "Cached post" not in html(client, "/")


def test_deleting_a_post_removes_it_at_once(client, post):
    url = post.get_absolute_url()
    warm(client, url, "/")

    post.delete()

    assert client.get(url).status_code == 404
    assert "Cached post" not in html(client, "/")


def test_renaming_a_category_or_tag_shows_at_once(client, post):
    tag = Tag.objects.create(name="Old tag")
    post.tags.add(tag)
    warm(client, post.get_absolute_url(), "/")

    post.category.name = "Renamed category"
    post.category.save()
    tag.name = "Renamed tag"
    tag.save()

    page = html(client, post.get_absolute_url())
    assert "Renamed category" in page
    assert "Renamed tag" in page
    assert "Renamed category" in html(client, "/")


def test_tagging_a_post_shows_at_once(client, post):
    warm(client, post.get_absolute_url())

    post.tags.add(Tag.objects.create(name="Fresh tag"))

    assert "Fresh tag" in html(client, post.get_absolute_url())


def test_renaming_the_author_shows_at_once_but_a_login_changes_nothing(client, post):
    warm(client, post.get_absolute_url())
    generation = pagecache.current_state()["generation"]

    Client().login(username="writer", password="password")
    assert pagecache.current_state()["generation"] == generation

    post.author.first_name, post.author.last_name = "Natsume", "Soseki"
    post.author.save()
    assert "Natsume Soseki" in html(client, post.get_absolute_url())


def test_a_new_configuration_renders_pages_afresh(client, post, settings):
    warm(client, "/")

    settings.KIJI_SITE_TITLE = "A new name"

    assert "A new name" in html(client, "/")


def test_the_invalidate_pages_command_renders_pages_afresh(client, post):
    from django.core.management import call_command

    warm(client, post.get_absolute_url())
    Post.objects.filter(pk=post.pk).update(title="Changed behind the cache")
    assert "Changed behind the cache" not in html(client, post.get_absolute_url())

    call_command("invalidate_pages", stdout=None)

    assert "Changed behind the cache" in html(client, post.get_absolute_url())


def test_the_invalidate_pages_command_says_when_there_is_no_page_cache(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.KIJI_PAGE_CACHE_SECONDS = 0
    out = StringIO()

    call_command("invalidate_pages", stdout=out)

    assert "Pages are not cached" in out.getvalue()


# Isolation: personal pages are never served from, nor put into, the cache.


def test_staff_never_get_the_cached_page_nor_fill_it(client, post):
    staff = Client()
    staff.force_login(make_user("editor", is_staff=True))
    warm(client, post.get_absolute_url())
    # Changed behind the cache's back: only a page rendered afresh shows it.
    Post.objects.filter(pk=post.pk).update(title="Only in the database")

    staff_page = staff.get(post.get_absolute_url())

    assert "Only in the database" in staff_page.content.decode()
    assert "private" in staff_page["Cache-Control"]
    assert "Only in the database" not in html(client, post.get_absolute_url())


def test_a_staff_preview_of_a_draft_is_never_stored(client):
    draft = make_post("Secret draft", status=Post.Status.DRAFT)
    staff = Client()
    staff.force_login(make_user("editor", is_staff=True))

    assert "Secret draft" in html(staff, draft.get_absolute_url())
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_visitor_with_a_pending_comment_sees_it_and_nobody_else_does(client, post):
    warm(client, post.get_absolute_url())
    visitor = Client()
    send(visitor, post, text="My own pending words")

    own = html(visitor, post.get_absolute_url())
    anonymous = html(client, post.get_absolute_url())
    fresh_anonymous = html(Client(), post.get_absolute_url())

    assert "My own pending words" in own
    assert "My own pending words" not in anonymous
    assert "My own pending words" not in fresh_anonymous


def test_the_pending_visitors_page_is_not_put_into_the_cache(post):
    visitor = Client()
    send(visitor, post, text="Pending, rendered first")

    assert "Pending, rendered first" in html(visitor, post.get_absolute_url())
    assert "Pending, rendered first" not in html(Client(), post.get_absolute_url())


@pytest.mark.parametrize("page_cache_seconds", [3600, 0])
def test_a_personal_page_is_private_to_caches_in_front(client, post, settings, page_cache_seconds):
    settings.KIJI_PAGE_CACHE_SECONDS = page_cache_seconds
    regular = Client()
    send(regular, post, name="Remembered Name", email="kept@example.com", remember="on")

    page = regular.get(post.get_absolute_url())

    assert 'value="kept@example.com"' in page.content.decode()
    assert "private" in page["Cache-Control"]
    assert "private" not in Client().get(post.get_absolute_url()).get("Cache-Control", "")


def test_a_remembered_commenter_gets_their_own_form_not_the_cached_one(client, post):
    warm(client, post.get_absolute_url())
    regular = Client()
    send(regular, post, name="Remembered Name", remember="on")

    assert 'value="Remembered Name"' in html(regular, post.get_absolute_url())
    assert 'value="Remembered Name"' not in html(client, post.get_absolute_url())


def test_a_page_carrying_a_message_is_not_cached(post):
    visitor = Client()
    response = send(visitor, post, text="Thanks shown once")
    assert response.status_code == 302

    page = html(visitor, post.get_absolute_url())

    assert "awaiting moderation" in page
    assert "awaiting moderation" not in html(Client(), post.get_absolute_url())


@pytest.mark.parametrize("query", ["?q=search", "?utm_source=feed", "?page=1&x=1"])
def test_other_query_parameters_bypass_the_cache(client, post, query):
    warm(client, post.get_absolute_url())
    Post.objects.filter(pk=post.pk).update(title="Fresh through the bypass")

    assert "Fresh through the bypass" in html(client, post.get_absolute_url() + query)


def test_responses_that_set_cookies_or_are_not_200_are_not_stored(rf: RequestFactory):
    calls = []

    def view(request):
        calls.append(request)
        response = HttpResponse("hello")
        response.set_cookie("flavour", "chocolate")
        return response

    def missing(request):
        calls.append(request)
        return HttpResponse("gone", status=404)

    for target in (view, missing):
        served = pagecache.PageCacheMiddleware(pagecache.cached_page(target))
        served(rf.get("/x/"))
        served(rf.get("/x/"))
    assert len(calls) == 4


def test_only_pages_of_wrapped_views_are_stored(rf: RequestFactory):
    calls = []

    def view(request):
        calls.append(request)
        return HttpResponse("an ordinary page")

    served = pagecache.PageCacheMiddleware(view)
    served(rf.get("/plain/"))
    served(rf.get("/plain/"))

    assert len(calls) == 2


def test_a_hit_runs_no_view_and_no_middleware_below_the_page_cache(client, post):
    client.get(post.get_absolute_url())

    hit = client.get(post.get_absolute_url())

    assert hit.wsgi_request.resolver_match is None
    assert not hasattr(hit.wsgi_request, "session")
    assert hit["Content-Security-Policy"]
    assert hit["X-Frame-Options"] == "DENY"
    assert int(hit["Content-Length"]) == len(hit.content)


# The CSRF token is the visitor's own, even on a cached page.


def csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_a_cached_page_gives_each_visitor_a_working_csrf_token(post):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    html(first, post.get_absolute_url())

    page = html(second, post.get_absolute_url())
    token = csrf(page)
    response = second.post(
        f"/comments/post/{post.pk}/", {**form_data(post), "csrfmiddlewaretoken": token}
    )

    assert pagecache.CSRF_PLACEHOLDER not in page
    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_a_cached_post_page_still_announces_its_ping_endpoints(client, post):
    first = client.get(post.get_absolute_url())
    cached = client.get(post.get_absolute_url())

    assert "kiji_page_cache_fill" not in vars(cached.wsgi_request)
    assert cached["X-Pingback"] == first["X-Pingback"]
    assert cached["Link"] == first["Link"]


def test_a_stored_page_keeps_no_account_data_nor_cookies(client, post):
    import pickle

    from django.core.cache import cache

    client.get(post.get_absolute_url())

    keys = [k for k in cache._cache if ":kiji:page:" in k]
    stored = cache.get(keys[0].split(":", 2)[2])
    assert set(stored) == {"generation", "status", "headers", "content"}
    assert b"md5$" not in pickle.dumps(stored)
    assert "Set-Cookie" not in stored["headers"]
    assert pagecache.CSRF_PLACEHOLDER.encode() in stored["content"]


# Conditional GET on post pages.


def test_a_post_page_answers_304_while_nothing_changed(client, post):
    first = client.get(post.get_absolute_url())

    again = client.get(post.get_absolute_url(), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_a_change_within_the_same_second_is_never_answered_304(client, post, time_machine):
    # Pages carry no Last-Modified: a date has whole seconds, generations do not.
    time_machine.move_to(timezone.now(), tick=False)
    first = client.get(post.get_absolute_url())
    comment = make_comment(post, status=Status.PENDING, text="Same second")
    moderate(comment, status=Status.APPROVED)

    since = client.get(
        post.get_absolute_url(), headers={"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    )

    assert not first.has_header("Last-Modified")
    assert since.status_code == 200
    assert "Same second" in since.content.decode()


def test_a_post_page_changes_its_validators_when_a_comment_is_approved(client, post):
    comment = make_comment(post, status=Status.PENDING, text="Validator changer")
    first = client.get(post.get_absolute_url())

    moderate(comment, status=Status.APPROVED)
    again = client.get(post.get_absolute_url(), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "Validator changer" in again.content.decode()


def test_feeds_keep_their_own_validators_through_the_cache(client, post):
    first = client.get(reverse("blog:feed-rss"))
    cached = client.get(reverse("blog:feed-rss"))

    revalidated = client.get(reverse("blog:feed-rss"), headers={"if-none-match": first["ETag"]})

    assert cached["ETag"] == first["ETag"]
    assert revalidated.status_code == 304


# Each process's own copies of pages.


def test_a_local_copy_is_served_only_while_the_shared_generation_is_its_own(client, post):
    from django.core.cache import cache

    warm(client, post.get_absolute_url())
    # Another app process changes a post: only the shared state (with the
    # token of the parts pages share) changes, not this process's copies.
    cache.set(
        pagecache.STATE_KEY,
        {**pagecache.current_state(), "generation": "elsewhere", "parts": "elsewhere"},
    )
    cache.set(pagecache.PARTS_KEY, "elsewhere")
    Post.objects.filter(pk=post.pk).update(title="Changed through another process")

    assert "Changed through another process" in html(client, post.get_absolute_url())


def test_a_hit_with_a_local_copy_moves_only_the_generation(client, post, monkeypatch):
    from django.core.cache import cache

    warm(client, post.get_absolute_url())
    fetched = []
    monkeypatch.setattr(cache, "get_many", lambda keys: fetched.append(keys) or {})
    original_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a: fetched.append(key) or original_get(key, *a))

    response = client.get(post.get_absolute_url())

    assert "kiji_page_cache_fill" not in vars(response.wsgi_request)
    assert fetched == [pagecache.STATE_KEY]


def test_local_copies_stay_within_their_size(rf):
    pages = pagecache.LocalPages(max_bytes=250)
    for number in range(5):
        pages.put(f"page-{number}", {"generation": "g", "content": b"x" * 100})
    pages.put("too-big", {"generation": "g", "content": b"x" * 300})

    assert [pages.get(f"page-{n}") is not None for n in range(5)] == [False] * 3 + [True] * 2
    assert pages.get("too-big") is None


def test_local_copies_can_be_turned_off(client, post, settings):
    settings.KIJI_PAGE_CACHE_LOCAL_KB = 0

    warm(client, post.get_absolute_url())
    key = pagecache._page_key(client.get(post.get_absolute_url()).wsgi_request)

    assert pagecache.local_pages.get(key) is None


# Parts shared between pages.


def test_the_sidebar_is_computed_once_per_generation(client, post, django_assert_num_queries):
    client.get(post.get_absolute_url())

    with django_assert_num_queries(0):
        sidebar = blog_sidebar({})
        searching = blog_sidebar({"query": "京都"})

    assert '">Essays</a> (1)' in sidebar
    assert '">Essays</a> (1)' in searching
    assert 'value="京都"' in searching


def test_the_sidebar_shows_a_new_category_and_month_at_once(client, post):
    warm(client, post.get_absolute_url(), "/archives/")
    make_post(
        "Elsewhere",
        category=make_category("Travel"),
        published_at=timezone.now() - timedelta(days=400),
    )

    page = html(client, "/archives/")
    sidebar = page[page.index('class="sidebar"') :]
    assert "Travel</a> (1)" in sidebar
    assert (timezone.localtime() - timedelta(days=400)).strftime("%Y/%m") in sidebar


def sidebar_computations(monkeypatch) -> list:
    """A list that grows each time the sidebar's lists are computed."""
    from blog.templatetags import blog_tags

    computed = []
    compute = blog_tags._sidebar_lists

    def counted():
        computed.append(1)
        return compute()

    monkeypatch.setattr(blog_tags, "_sidebar_lists", counted)
    return computed


def test_approving_a_comment_renders_the_post_again_but_not_the_sidebar(client, post, monkeypatch):
    comment = make_comment(post, status=Status.PENDING, text="Now approved.")
    warm(client, post.get_absolute_url())
    computed = sidebar_computations(monkeypatch)

    moderate(comment, status=Status.APPROVED)
    page = html(client, post.get_absolute_url())

    assert "Now approved." in page
    assert '">Essays</a> (1)' in page
    assert computed == []


@pytest.mark.parametrize("change", ["edit a post", "time"])
def test_a_change_other_than_comments_computes_the_sidebar_again(
    client, post, monkeypatch, time_machine, change
):
    later = timezone.now() + timedelta(hours=2)
    make_post("Scheduled", category=make_category("Later"), published_at=later)
    warm(client, post.get_absolute_url())
    computed = sidebar_computations(monkeypatch)

    if change == "edit a post":
        post.title = "Retitled"
        post.save()
    else:
        time_machine.move_to(later + timedelta(seconds=1))
    page = html(client, post.get_absolute_url())

    assert computed == [1]
    assert ("Later</a> (1)" in page) == (change == "time")


# The post page around its conversation is kept while only comments and pings change.


@pytest.fixture
def rendered_templates():
    """The names of the templates rendered from now on."""
    names = []

    def record(sender, template, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


def test_approving_a_comment_renders_only_the_conversation_again(client, post, rendered_templates):
    older = make_post("Older neighbour", published_at=post.published_at - timedelta(days=1))
    comment = make_comment(post, status=Status.PENDING, text="Approved since.")
    warm(client, post.get_absolute_url())
    before = html(client, post.get_absolute_url())
    rendered_templates.clear()

    moderate(comment, status=Status.APPROVED)
    page = html(client, post.get_absolute_url())

    assert settings.KIJI_POST_DISCUSSION_TEMPLATE in rendered_templates
    assert settings.KIJI_POST_PAGE_TEMPLATE not in rendered_templates
    assert "Approved since." in page
    assert older.get_absolute_url() in page and '">Essays</a> (1)' in page
    # Around the conversation, the page is the one rendered before.
    assert before.split('id="comments"')[0] == page.split('id="comments"')[0]
    assert before.rsplit("</section>", 1)[-1] == page.rsplit("</section>", 1)[-1]


@pytest.mark.parametrize("change", ["edit the post", "publish a neighbour", "time"])
def test_a_change_other_than_comments_renders_the_whole_post_page_again(
    client, post, rendered_templates, time_machine, change
):
    later = timezone.now() + timedelta(hours=2)
    make_post("Scheduled neighbour", published_at=later)
    warm(client, post.get_absolute_url())
    rendered_templates.clear()

    if change == "edit the post":
        post.title = "Retitled"
        post.save()
    elif change == "publish a neighbour":
        make_post("Published neighbour", published_at=timezone.now())
    else:
        time_machine.move_to(later + timedelta(seconds=1))
    page = html(client, post.get_absolute_url())

    assert settings.KIJI_POST_PAGE_TEMPLATE in rendered_templates
    expected = {
        "edit the post": "<h1>Retitled</h1>",
        "publish a neighbour": "Published neighbour &raquo;",
        "time": "Scheduled neighbour &raquo;",
    }
    assert expected[change] in page


def test_a_post_edited_while_its_page_renders_is_not_kept_as_it_was(client, post):
    warm(client, post.get_absolute_url())
    make_category("Elsewhere")  # the next request renders the page again
    edited = []

    def edit_during_render(sender, template, **kwargs):
        # After the view has loaded the post, before the rest of the page is kept.
        if template.name == settings.KIJI_POST_DISCUSSION_TEMPLATE and not edited:
            edited.append(True)
            changed = Post.objects.get(pk=post.pk)
            changed.title = "Corrected title"
            changed.save()

    template_rendered.connect(edit_during_render)
    try:
        html(client, post.get_absolute_url())
    finally:
        template_rendered.disconnect(edit_during_render)
    comment = make_comment(post, status=Status.PENDING, text="Approved after the edit.")
    moderate(comment, status=Status.APPROVED)

    page = html(client, post.get_absolute_url())

    assert edited
    assert "Approved after the edit." in page
    assert "<h1>Corrected title</h1>" in page


def test_a_personal_post_page_neither_fills_nor_uses_the_kept_part(client, post):
    visitor = Client()
    send(visitor, post, text="Sent before anyone read the post")
    # The visitor's page, with their message, is rendered first ...
    assert "Thank you. Your comment is awaiting" in html(visitor, post.get_absolute_url())
    # ... and keeps nothing that others' pages are made around.
    assert "Thank you." not in html(client, post.get_absolute_url())

    send(visitor, post, text="Sent once the page was kept")

    # Nor is the visitor's page made around the part kept for others.
    assert "Thank you. Your comment is awaiting" in html(visitor, post.get_absolute_url())


@pytest.mark.parametrize("change", ["approve", "withdraw"])
def test_a_post_page_showing_its_conversation_itself_is_never_kept(
    client, post, settings, tmp_path, change
):
    # A theme's post page from before the conversation had its own template.
    (tmp_path / "themed_post_page.html").write_text(
        '{% extends "post_page.html" %}{% load comment_tags %}'
        "{% block discussion %}{% comment_section post %}{% endblock discussion %}"
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    settings.KIJI_POST_PAGE_TEMPLATE = "themed_post_page.html"
    status = Status.PENDING if change == "approve" else Status.APPROVED
    comment = make_comment(post, status=status, text="Under a themed page.")
    warm(client, post.get_absolute_url())

    moderate(comment, status=Status.APPROVED if change == "approve" else Status.SPAM)
    page = html(client, post.get_absolute_url())

    assert ("Under a themed page." in page) == (change == "approve")
    assert page.count('id="comments"') == 1


def test_each_address_of_a_post_page_keeps_its_own_part(client, post, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    warm(client, post.get_absolute_url())

    page = client.get(post.get_absolute_url(), headers={"host": "other.example"})

    assert '<link rel="canonical" href="http://other.example/' in page.content.decode()


def form_token(page: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def test_a_cached_page_gives_each_visitor_the_time_they_were_shown_the_form(
    client, post, time_machine
):
    from comments.forms import form_age

    time_machine.move_to(timezone.now(), tick=False)
    html(client, post.get_absolute_url())
    time_machine.shift(timedelta(minutes=10))

    page = html(Client(), post.get_absolute_url())

    assert "kiji-form-token" not in page
    assert form_age(form_token(page), post.pk) < 1


def test_a_bot_posting_at_once_from_a_cached_page_is_caught(client, post, settings, time_machine):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 5
    time_machine.move_to(timezone.now(), tick=False)
    html(client, post.get_absolute_url())
    time_machine.shift(timedelta(minutes=10))
    bot = Client()
    page = html(bot, post.get_absolute_url())

    bot.post(f"/comments/post/{post.pk}/", {**form_data(post), "form_token": form_token(page)})

    comment = Comment.objects.get()
    assert comment.status == Status.SPAM, comment.status_reason


def test_fresh_values_replace_every_placeholder_and_leave_lookalikes():
    pattern = re.compile(rb"kiji-test-(\d+)-end")
    content = b"<a>kiji-test-1-end</a> kiji-test-x kiji-test-22-end"

    def filled(content: bytes) -> bytes:
        at = pagecache._fresh_maker(pattern, lambda match: b"<" + match[1] + b">")
        return pagecache._join(pagecache._cut([content], b"kiji-test-", at), request=None)

    assert filled(content) == b"<a><1></a> kiji-test-x <22>"
    assert filled(b"nothing") == b"nothing"
    assert filled(b"kiji-test-") == b"kiji-test-"


@pytest.mark.django_db(transaction=True)
def test_a_transaction_makes_one_generation_at_its_commit_however_many_changes(monkeypatch):
    post = make_post("Committed", category=make_category("Essays"))
    comment = make_comment(post, status=Status.PENDING)
    made = []
    new_state = pagecache._new_state

    def counted(**kwargs):
        made.append(kwargs)
        return new_state(**kwargs)

    monkeypatch.setattr(pagecache, "_new_state", counted)

    with transaction.atomic():
        moderate(comment, status=Status.APPROVED)  # saves it, raises the revision
        Post.objects.raise_discussion_revision(post.pk)
    at_commit = [kwargs for kwargs in made if not kwargs.get("uncommitted")]
    assert at_commit == [{"owed": True, "keep_parts": True}]  # only the discussion changed

    made.clear()
    with transaction.atomic():
        Post.objects.raise_discussion_revision(post.pk)
        post.title = "Renamed"
        post.save()
    at_commit = [kwargs for kwargs in made if not kwargs.get("uncommitted")]
    assert at_commit == [{"owed": True, "keep_parts": False}]
