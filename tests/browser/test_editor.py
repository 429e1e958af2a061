"""The post editor in Chromium: the preview follows the typing, within the CSP."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from blog.models import Post
from tests.factories import make_post, make_user
from tests.security.watch import Watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = """京都の**古本屋**を歩く。

- 寺町通り
- 河原町

<script>alert("x")</script>
<p style="color: red">赤</p>"""


@pytest.fixture
def owner(settings):
    return make_user("owner", is_staff=True, is_superuser=True, email="owner@example.com")


def log_in(page, watch: Watch, url: str) -> None:
    page.goto(url + "/admin/login/")
    page.locator("#id_username").fill("owner")
    page.locator("#id_password").fill("password")
    page.locator("input[type=submit]").click()
    page.wait_for_url(url + "/admin/")
    watch.settle()


def open_editor(page, watch: Watch, url: str) -> list[str]:
    watch.forget_console()
    page.goto(url)
    watch.settle()
    return watch.violations()


def test_typing_in_the_body_updates_the_preview_and_count(live_server, page, owner):
    watch = Watch(page)
    log_in(page, watch, live_server.url)
    assert open_editor(page, watch, live_server.url + "/admin/blog/post/add/") == []

    page.locator("#id_title").fill("古本屋")
    page.locator("#id_body").fill(BODY)
    preview = page.locator("#body-preview .body-preview-output")

    preview.locator("strong", has_text="古本屋").wait_for()
    assert preview.locator("li").all_inner_texts() == ["寺町通り", "河原町"]
    assert "alert" not in preview.inner_html()
    assert "style=" not in preview.inner_html()
    assert page.locator("#body-count").inner_text() == str(sum(1 for char in BODY if char != "\n"))

    page.locator("#id_body_format").select_option("html")
    expect(preview).to_contain_text("京都の**古本屋**を歩く。")  # HTML: no Markdown
    assert preview.locator("strong").count() == 0

    assert watch.violations() == []
    assert watch.script_ran() == []
    assert Post.objects.count() == 0


def test_editor_pages_satisfy_the_policy(live_server, page, owner):
    post = make_post("京都の古本屋", body=BODY, author=owner)
    draft = make_post("下書き", status=Post.Status.DRAFT, author=owner)
    watch = Watch(page)
    log_in(page, watch, live_server.url)

    found = {}
    for path in [
        "/admin/blog/post/add/",
        f"/admin/blog/post/{post.pk}/change/",
        f"/admin/blog/post/{draft.pk}/change/",
    ]:
        violations = open_editor(page, watch, live_server.url + path)
        page.locator("#id_body").press("Control+End")
        page.locator("#id_body").press_sequentially("追記")
        page.locator("#body-preview .body-preview-output", has_text="追記").wait_for()
        violations += watch.violations()
        if violations:
            found[path] = violations

    # The button without the script: the server's preview, nothing saved.
    watch.forget_console()
    page.get_by_role("button", name="Preview", exact=True).click()
    watch.settle()
    assert "追記" in page.locator("#body-preview").inner_text()
    draft.refresh_from_db()
    assert "追記" not in draft.body
    found.setdefault("preview button", []).extend(watch.violations())

    assert found == {"preview button": []}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_editor_screenshots(live_server, browser, settings, owner, artifacts_dir, language):
    settings.LANGUAGE_CODE = language
    post = make_post(
        "京都の古本屋を歩く",
        body=BODY.split("<script>")[0]
        + "\n> 古い本の匂いがする。\n\nSee [the map](https://example.com/map).",
        status=Post.Status.DRAFT,
        published_at=timezone.now() - timedelta(days=30),
        author=owner,
    )
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000}, locale="ja-JP" if language == "ja" else "en-US"
    )
    page = context.new_page()
    watch = Watch(page)
    log_in(page, watch, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    page.locator("#id_body").press("Control+End")
    page.locator("#id_body").press_sequentially("\n\n追記。")
    page.locator("#body-preview .body-preview-output", has_text="追記。").wait_for()

    path = artifacts_dir / f"editor-{language}.png"
    page.screenshot(path=path, full_page=True)
    context.close()
    assert path.stat().st_size > 0
