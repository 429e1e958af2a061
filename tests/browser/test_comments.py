import pytest

from comments.models import Comment
from moderation.models import Status
from tests.factories import make_post, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_comments_author_approves_reader_sees_it(
    live_server, browser, page, artifacts_dir, settings
):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    owner = make_user("owner", is_staff=True, is_superuser=True, email="owner@example.com")
    owner.set_password("a long admin passphrase")
    owner.save()
    post = make_post("京都の古本屋を歩く", author=owner)

    # The reader writes a comment.
    page.goto(live_server.url + post.get_absolute_url())
    assert "Comments are moderated" in page.locator("#comments").inner_text()
    page.get_by_label("Name", exact=True).fill("花子")
    page.get_by_label("Email (not displayed with comment)").fill("hanako@example.com")
    page.get_by_label("Comment", exact=True).fill(
        "寺町通りの本屋、私も好きです。\n\nまた行きたい。"
    )
    page.get_by_role("button", name="Post comment").click()

    page.wait_for_url(f"**{post.get_absolute_url()}#comment-*")
    assert "awaiting moderation" in page.locator(".messages").inner_text()
    mine = page.locator(".comment-pending")
    assert "寺町通りの本屋" in mine.inner_text()
    assert "Only you can see it" in mine.inner_text()
    page.screenshot(path=artifacts_dir / "comment-pending.png", full_page=True)
    assert Comment.objects.get().status == Status.PENDING

    # The author approves it in the admin.
    desk = browser.new_context(locale="en-US").new_page()
    desk.goto(live_server.url + "/admin/")
    desk.get_by_label("Username").fill("owner")
    desk.get_by_label("Password").fill("a long admin passphrase")
    desk.get_by_role("button", name="Log in").click()
    pending = desk.locator(".moderation-pending")
    assert "Awaiting moderation" in pending.inner_text()
    pending.get_by_role("link", name="Comments").click()
    row = desk.locator("#result_list tbody tr", has_text="寺町通りの本屋")
    row.locator("input.action-select").check()
    desk.locator("select[name=action]").select_option("approve")
    desk.get_by_role("button", name="Go").click()
    assert "1 approved." in desk.locator(".messagelist").inner_text()
    desk.screenshot(path=artifacts_dir / "comment-admin.png", full_page=True)
    desk.context.close()

    # The reader reloads and sees it published.
    page.reload()
    section = page.locator("#comments")
    assert "1 comment" in section.locator("h2").inner_text()
    assert page.locator(".comment-pending").count() == 0
    approved = section.locator("li.comment")
    assert "花子" in approved.inner_text()
    assert "また行きたい。" in approved.inner_text()
