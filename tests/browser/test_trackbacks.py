"""The TrackBack section in a real browser, with and without JavaScript."""

import pytest
from playwright.sync_api import expect

from moderation.models import Status
from tests.factories import make_post
from trackbacks.models import Trackback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def post():
    post = make_post("秋の京都旅行")
    Trackback.objects.create(
        post=post,
        kind="trackback",
        url="http://travel.example.jp/archives/000123.html",
        title="京都の紅葉情報まとめ",
        blog_name="旅とカメラ",
        excerpt="やまださんの京都旅行記にトラックバックさせていただきました。",
        status=Status.APPROVED,
    )
    return post


def test_copy_button_copies_the_trackback_url(live_server, browser, post, artifacts_dir):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + post.get_absolute_url())
    section = page.locator("#trackbacks")
    ping_url = f"{live_server.url}/trackback/{post.pk}/"
    assert section.locator("input.trackback-url-input").input_value() == ping_url
    button = section.locator("button.copy-button")
    expect(button).to_have_text("Copy")
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == ping_url
    expect(button).to_have_text("Copy", timeout=5000)  # the label comes back
    assert section.get_by_role("link", name="京都の紅葉情報まとめ").get_attribute("rel") == (
        "nofollow ugc noopener"
    )
    section.screenshot(path=artifacts_dir / "trackbacks-section.png")
    assert errors == []
    context.close()


def test_without_javascript_the_url_stays_selectable_and_no_button_shows(
    live_server, browser, post
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + post.get_absolute_url())
    section = page.locator("#trackbacks")
    assert section.locator("input.trackback-url-input").is_visible()
    assert not section.locator("button.copy-button").is_visible()
    assert "Listed below are links to weblogs that reference" in section.inner_text()
    context.close()
