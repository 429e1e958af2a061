from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_category, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_BODY = (
    "寺町通りを北へ歩く。間口の狭い古本屋が並び、百円均一の棚には昭和の文庫本が差してある。\n\n"
    "## 買った本\n\n- 随筆集\n- 京都の地図帳\n\n"
    "A long unbroken word: " + "supercalifragilistic" * 8 + "\n\n"
    "```\nprint('a line of code that is much longer than a phone screen is wide, on purpose')\n```"
)


@pytest.fixture
def blog():
    books = make_category("Books", slug="books")
    now = timezone.now()
    first = make_post("First post", category=books, published_at=now - timedelta(days=3))
    second = make_post(
        "京都の古本屋を歩く", body=LONG_BODY, category=books, published_at=now - timedelta(days=2)
    )
    third = make_post("Third post", published_at=now - timedelta(days=1))
    return first, second, third


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def overflows_horizontally(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_reader_walks_from_the_index_through_posts_and_a_category(
    live_server, page, artifacts_dir, blog
):
    first, second, third = blog

    page.goto(live_server.url + "/")
    assert page.locator(".post-summary h2").all_inner_texts() == [
        third.title,
        second.title,
        first.title,
    ]

    page.get_by_role("link", name=second.title, exact=True).click()
    page.wait_for_url(f"**{second.get_absolute_url()}")
    assert page.locator("h1").inner_text() == second.title
    page.screenshot(path=artifacts_dir / "post-page.png", full_page=True)

    page.locator(".post-nav-next").first.click()
    assert page.locator("h1").inner_text() == third.title

    page.locator(".post-nav-previous").first.click()
    page.locator(".post-nav-previous").first.click()
    assert page.locator("h1").inner_text() == first.title

    page.get_by_role("link", name="Books").first.click()
    assert "Category: Books" in page.locator("h1").inner_text()
    assert set(page.locator(".post-summary h2").all_inner_texts()) == {first.title, second.title}


def test_reader_on_a_phone_reads_without_sideways_scrolling(
    live_server, phone, artifacts_dir, blog
):
    first, second, _third = blog

    phone.goto(live_server.url + "/")
    assert not overflows_horizontally(phone)
    # One column: the sidebar comes after the posts, not beside them.
    posts_box = phone.locator("main").bounding_box()
    sidebar_box = phone.locator(".sidebar").bounding_box()
    assert sidebar_box["y"] >= posts_box["y"] + posts_box["height"]
    assert sidebar_box["width"] > 300

    phone.get_by_role("link", name=second.title, exact=True).click()
    phone.wait_for_url(f"**{second.get_absolute_url()}")
    assert not overflows_horizontally(phone)
    assert phone.locator(".post-body").bounding_box()["width"] <= 390
    phone.screenshot(path=artifacts_dir / "post-page-phone.png", full_page=True)

    phone.locator(".post-nav-previous").first.click()
    assert phone.locator("h1").inner_text() == first.title

    phone.get_by_role("link", name="Archives", exact=True).first.click()
    assert phone.locator("h1").inner_text() == "Archives"
    assert not overflows_horizontally(phone)
