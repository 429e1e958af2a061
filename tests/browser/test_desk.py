"""The desk in Chromium: approve from the dashboard, see it on the post, no CSP violation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Post
from comments.models import Comment
from moderation.models import Status
from tests.comments.helpers import make_comment
from tests.factories import make_ping, make_post, make_user
from tests.security.watch import Watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def blog(settings):
    owner = make_user("owner", is_staff=True, is_superuser=True, email="owner@example.com")
    post = make_post("京都の古本屋を歩く", author=owner)
    now = timezone.now()
    mine = make_comment(
        post, author_name="owner", text="ありがとうございます。", written_by_author=True, user=owner
    )
    reply = Comment(
        post=post,
        author_name="花子",
        author_email="hanako@example.com",
        text="寺町通りの本屋、私も好きです。\n\nまた行きたい。",
        status=Status.PENDING,
        status_reason="Held for review: first comment from this address",
        created_at=now - timedelta(minutes=5),
    )
    reply.attach_to(mine)
    reply.save()
    make_comment(
        post,
        author_name="Taro",
        text="Great list of bookshops, thanks for the map.",
        status=Status.PENDING,
        status_reason="Held for review: 3 links (more than 2)",
        created_at=now - timedelta(hours=2),
    )
    make_ping(
        post,
        title="古本屋めぐり",
        blog_name="Another blog",
        excerpt="A walk through the bookshops.",
        status=Status.PENDING,
        created_at=now - timedelta(hours=1),
    )
    make_post("来週の予定", published_at=now + timedelta(days=6), author=owner)
    make_post("下書き: 神保町", status=Post.Status.DRAFT, author=owner)
    return post, reply


def log_in(page, watch, live_server) -> list[str]:
    page.goto(live_server.url + "/admin/login/")
    watch.settle()
    found = watch.violations()
    page.locator("#id_username").fill("owner")
    page.locator("#id_password").fill("password")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    watch.settle()
    return found + watch.violations()


def test_approve_from_the_dashboard_and_the_comment_is_on_the_post(live_server, page, blog):
    post, reply = blog
    watch = Watch(page)
    found = {"/admin/login/ and /admin/": log_in(page, watch, live_server)}

    item = page.locator(".desk-pending .desk-item", has_text="寺町通りの本屋")
    assert "in reply to owner" in item.inner_text()
    assert "first comment from this address" in item.inner_text()
    watch.forget_console()
    item.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/admin/")
    watch.settle()
    found["/admin/ after approving"] = watch.violations()

    assert "Approved: 花子" in page.locator(".messagelist").inner_text()
    assert "寺町通りの本屋" not in page.locator(".desk-pending").inner_text()
    reply.refresh_from_db()
    assert reply.status == Status.APPROVED

    for path in ["/admin/comments/comment/", "/admin/blog/"]:
        watch.forget_console()
        page.goto(live_server.url + path)
        watch.settle()
        found[path] = watch.violations()

    page.goto(live_server.url + post.get_absolute_url())
    assert "また行きたい。" in page.locator("#comments").inner_text()
    assert {path: v for path, v in found.items() if v} == {}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_dashboard_screenshot(live_server, browser, blog, settings, language, artifacts_dir):
    settings.LANGUAGE_CODE = language
    context = browser.new_context(viewport={"width": 1280, "height": 1100}, locale=language)
    page = context.new_page()
    watch = Watch(page)
    try:
        assert log_in(page, watch, live_server) == []
        heading = {"en": "Waiting for your decision", "ja": "判断を待っているもの"}[language]
        assert heading in page.locator(".desk-pending h2").inner_text()
        # docs/desk-dashboard-*.png are copies of these, taken when the desk changes.
        page.screenshot(path=artifacts_dir / f"desk-dashboard-{language}.png", full_page=True)
    finally:
        context.close()
