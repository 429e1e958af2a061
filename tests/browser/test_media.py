"""A picture in Chromium: uploaded, inserted in a post, seen by a reader, within the CSP."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from blog.models import Post
from media.models import MediaItem
from tests.factories import make_user
from tests.security.watch import Watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner(settings, media_storage):
    # Files go to the temporary storage every test gets (tests/conftest.py).
    settings.KIJI_SERVE_MEDIA = True
    settings.KIJI_MEDIA_RENDITION_WIDTHS = [320, 640]
    return make_user("owner", is_staff=True, is_superuser=True, email="owner@example.com")


def photo_jpeg() -> bytes:
    image = Image.new("RGB", (800, 600), "white")
    image.paste((200, 30, 30), (0, 0, 400, 300))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def log_in(page, watch: Watch, url: str) -> None:
    page.goto(url + "/admin/login/")
    page.locator("#id_username").fill("owner")
    page.locator("#id_password").fill("password")
    page.locator("input[type=submit]").click()
    page.wait_for_url(url + "/admin/")
    watch.settle()


def test_author_uploads_inserts_and_a_reader_sees_the_picture(live_server, browser, page, owner):
    watch = Watch(page)
    log_in(page, watch, live_server.url)

    # The author uploads a photo to the library.
    page.goto(live_server.url + "/admin/media/mediaitem/add/")
    page.locator("input[name=files]").set_input_files(
        files=[{"name": "寺町通り.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}]
    )
    page.locator("#id_alt").fill("The red corner of Teramachi")
    page.locator("#id_caption").fill("Teramachi in the evening")
    page.locator("input[name=_save]").first.click()
    page.wait_for_load_state()
    item = MediaItem.objects.get()
    assert item.renditions.count() == 4  # 320 and 640, in JPEG and WebP
    assert watch.violations() == []

    # ... and inserts its snippet in a new post.
    watch.forget_console()
    page.goto(live_server.url + "/admin/blog/post/add/")
    page.locator("#id_title").fill("Teramachi")
    page.locator("#id_body").fill("An evening walk.")
    page.locator(f"button.media-snippet-insert[data-snippet='media-snippet-{item.pk}']").click()
    assert page.locator("#id_body").input_value() == (
        f"An evening walk.\n\n![The red corner of Teramachi]({item.reference()})"
    )
    preview = page.locator("#body-preview .body-preview-output")
    preview.locator("figure img").wait_for()
    expect(preview.locator("figcaption")).to_have_text("Teramachi in the evening")
    page.locator("#id_status").select_option("published")
    page.locator("input[name=_save]").first.click()
    page.wait_for_url(live_server.url + "/admin/blog/post/")
    assert watch.violations() == []
    post = Post.objects.get()
    assert item in post.media_items.all()

    # A reader (no session) sees the picture, from a rendition, within the policy.
    reader = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    try:
        reading = reader.new_page()
        reader_watch = Watch(reading)
        reading.goto(live_server.url + post.get_absolute_url())
        picture = reading.locator(".post-body figure picture img")
        picture.scroll_into_view_if_needed()
        expect(picture).to_have_attribute("alt", "The red corner of Teramachi")
        reading.wait_for_function(
            "() => { const i = document.querySelector('.post-body figure img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        shown = picture.evaluate("i => ({w: i.naturalWidth, src: i.currentSrc})")
        # naturalWidth is in CSS pixels: the chosen candidate scaled to `sizes` (48rem).
        assert shown["w"] > 0
        webp = {r.file.url for r in item.renditions.filter(format="webp")}
        assert shown["src"].removeprefix(live_server.url) in webp
        expect(reading.locator(".post-body figcaption")).to_have_text("Teramachi in the evening")
        og_image = reading.locator("meta[property='og:image']").get_attribute("content")
        assert og_image.endswith(item.renditions.get(width=640, format="jpeg").file.url)
        reader_watch.settle()
        assert reader_watch.violations() == []
        assert reader_watch.script_ran() == []
    finally:
        reader.close()
