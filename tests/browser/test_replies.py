"""Replying in Chromium: with JavaScript the form moves under the comment; without, a page."""

import pytest

from comments.models import Comment
from moderation.models import Status
from moderation.services import moderate
from tests.comments.helpers import make_comment
from tests.factories import make_post, make_user
from tests.security.watch import Watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thread(settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    owner = make_user("owner", is_staff=True, is_superuser=True, first_name="暁", last_name="鶴巻")
    owner.set_password("a long admin passphrase")
    owner.save()
    post = make_post("長い記事", author=owner)
    question = make_comment(post, author_name="読者", text="詳しく教えてください。")
    return post, question


def fill_reader_form(page, text: str) -> None:
    page.get_by_label("Name", exact=True).fill("花子")
    page.get_by_label("Email (not displayed with comment)").fill("hanako@example.com")
    page.get_by_label("Comment", exact=True).fill(text)


def test_with_javascript_the_form_moves_under_the_comment_and_the_reply_nests(
    live_server, page, thread, artifacts_dir
):
    post, question = thread
    watch = Watch(page)
    page.goto(live_server.url + post.get_absolute_url())

    page.locator(f"#comment-{question.pk} .comment-reply-link").click()

    assert page.locator(f"#comment-{question.pk} #comment-form").count() == 1
    assert page.locator("#comment-form input[name=parent]").input_value() == str(question.pk)
    assert page.locator(".replying-to").is_visible()
    fill_reader_form(page, "私も知りたいです。")
    page.screenshot(path=artifacts_dir / "reply-form-moved.png", full_page=True)
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(f"**{post.get_absolute_url()}#comment-*")

    reply = Comment.objects.get(text="私も知りたいです。")
    assert (reply.parent_id, reply.status) == (question.pk, Status.PENDING)
    mine = page.locator(f"#comment-{reply.pk}")
    assert "depth-1" in mine.get_attribute("class")
    assert "Only you can see it" in mine.inner_text()
    assert watch.violations() == []


def test_cancel_puts_the_form_back(live_server, page, thread):
    post, question = thread
    page.goto(live_server.url + post.get_absolute_url())
    page.locator(f"#comment-{question.pk} .comment-reply-link").click()

    page.locator(".cancel-reply").click()

    assert page.locator(f"#comment-{question.pk} #comment-form").count() == 0
    assert page.locator("#comment-form input[name=parent]").input_value() == ""


def test_without_javascript_the_reply_link_opens_a_page_with_the_comment_quoted(
    live_server, browser, thread
):
    post, question = thread
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.goto(live_server.url + post.get_absolute_url())

    page.locator(f"#comment-{question.pk} .comment-reply-link").click()

    assert "詳しく教えてください。" in page.locator(".comment-quoted").inner_text()
    fill_reader_form(page, "JavaScript なしで返信。")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(f"**{post.get_absolute_url()}#comment-*")
    reply = Comment.objects.get(text="JavaScript なしで返信。")
    assert reply.parent_id == question.pk
    context.close()


def test_the_author_replies_from_the_page_and_readers_see_the_label(
    live_server, browser, page, thread, artifacts_dir
):
    post, question = thread
    desk = browser.new_context(locale="en-US").new_page()
    desk.goto(live_server.url + "/admin/")
    desk.get_by_label("Username").fill("owner")
    desk.get_by_label("Password").fill("a long admin passphrase")
    desk.get_by_role("button", name="Log in").click()
    watch = Watch(desk)
    desk.goto(live_server.url + post.get_absolute_url())
    desk.locator(f"#comment-{question.pk} .comment-reply-link").click()
    desk.get_by_label("Your reply, as the author").fill("詳細な説明はこちらです。")
    desk.get_by_role("button", name="Publish reply").click()
    desk.wait_for_url(f"**{post.get_absolute_url()}#comment-*")
    assert watch.violations() == []
    desk.context.close()

    page.goto(live_server.url + post.get_absolute_url())
    answer = page.locator("li.by-author")
    assert "詳細な説明はこちらです。" in answer.inner_text()
    assert answer.locator(".author-label").is_visible()
    assert "鶴巻" in answer.inner_text()
    page.screenshot(path=artifacts_dir / "author-reply.png", full_page=True)


def test_a_removed_comment_keeps_its_place_in_the_browser(live_server, page, thread):
    post, question = thread
    answer = make_comment(post, text="返信は残ります。")
    answer.attach_to(question)
    answer.save()
    moderate(question, status=Status.SPAM)

    page.goto(live_server.url + post.get_absolute_url())

    assert page.locator(".comment-removed-notice").inner_text() == "This comment was removed."
    assert "返信は残ります。" in page.locator("li.depth-1").inner_text()
