from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_category, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_walks_from_the_index_through_posts_and_a_category(live_server, page, artifacts_dir):
    books = make_category("Books", slug="books")
    now = timezone.now()
    first = make_post("First post", category=books, published_at=now - timedelta(days=3))
    second = make_post(
        "京都の古本屋を歩く",
        body="寺町通りを北へ歩く。\n\n## 買った本\n\n- 随筆集",
        category=books,
        published_at=now - timedelta(days=2),
    )
    third = make_post("Third post", published_at=now - timedelta(days=1))

    page.goto(live_server.url + "/")
    assert page.locator(".post-summary h2").all_inner_texts() == [
        third.title,
        second.title,
        first.title,
    ]

    page.get_by_role("link", name=second.title).click()
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
