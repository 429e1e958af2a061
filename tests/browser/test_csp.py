"""Every reader page, and the admin the author uses, satisfies the Content-Security-Policy.

Chromium enforces the policy the server sends; a refused inline style or
script, or a resource from elsewhere, shows as a `securitypolicyviolation`
event and a console message, which `Watch` collects.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Tag
from moderation.models import Status
from tests.comments.helpers import make_comment
from tests.factories import make_category, make_post, make_user
from tests.security.watch import Watch
from trackbacks.models import Trackback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = """Kiji の本文。**太字**と *斜体*、[リンク](https://example.com/)。

| 列 | 値 |
|----|----|
| a  | 1  |

<p style="text-align: center; color: red">centred by the author</p>
<img src="/static/css/missing.png" alt="an image">

> quoted

```
code
```
"""


@pytest.fixture
def site(settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    owner = make_user("owner", is_staff=True, is_superuser=True, email="owner@example.com")
    category = make_category("Books", slug="books")
    tag = Tag.objects.create(name="kyoto")
    post = make_post("京都の古本屋", body=BODY, category=category, tags=[tag], author=owner)
    make_post("Older", published_at=timezone.now() - timedelta(days=40))
    for n in range(3):
        make_comment(post, text=f"Comment {n} with https://example.org/ and <b>bold</b>")
    make_comment(post, status=Status.PENDING, text="Pending one")
    Trackback.objects.create(
        post=post,
        kind=Trackback.Kind.TRACKBACK,
        url="https://other.example.com/entry",
        title="A reply elsewhere",
        excerpt="Linked here.",
        blog_name="Other blog",
        status=Status.APPROVED,
    )
    return post, category, tag


def reader_urls(post, category, tag) -> list[str]:
    local = timezone.localtime(post.published_at)
    return [
        "/",
        post.get_absolute_url(),
        "/archives/",
        f"/{local.year}/",
        f"/{local.year}/{local.month:02d}/",
        category.get_absolute_url(),
        tag.get_absolute_url(),
        "/search/",
        "/search/?q=京都",
        "/search/?q=nothing-matches",
        "/no/such/page/",
        "/moderation/forged-token/",
    ]


def visit(page, watch, url) -> list[str]:
    watch.forget_console()
    page.goto(url)
    watch.settle()
    return watch.violations()


def test_reader_pages_satisfy_the_policy(live_server, page, site):
    watch = Watch(page)
    found = {}
    for path in reader_urls(*site):
        violations = visit(page, watch, live_server.url + path)
        if violations:
            found[path] = violations

    assert found == {}


def test_comment_form_error_and_preview_pages_satisfy_the_policy(live_server, page, site):
    post = site[0]
    watch = Watch(page)
    visit(page, watch, live_server.url + post.get_absolute_url())

    page.get_by_label("Name", exact=True).fill("Hanako")
    page.get_by_label("Email (not displayed with comment)").fill("hanako@example.com")
    page.get_by_label("Comment", exact=True).fill("A preview with https://example.org/")
    watch.forget_console()
    page.get_by_role("button", name="Preview").click()
    watch.settle()
    assert "A preview" in page.locator(".comment-preview").inner_text()
    preview = watch.violations()

    page.get_by_label("Email (not displayed with comment)").fill("not-an-address")
    page.locator("form.comment-form").evaluate("form => form.noValidate = true")
    watch.forget_console()
    page.get_by_role("button", name="Post comment").click()
    watch.settle()
    assert page.locator(".errorlist").count() >= 1
    errors = watch.violations()

    assert (preview, errors) == ([], [])


def test_admin_pages_satisfy_the_policy(live_server, page, site):
    post = site[0]
    watch = Watch(page)
    assert visit(page, watch, live_server.url + "/admin/login/") == []
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    comment = post.comments.first()

    found = {}
    for path in [
        "/admin/",
        "/admin/comments/comment/?status=all",
        f"/admin/comments/comment/{comment.pk}/change/",
        "/admin/blog/post/",
        f"/admin/blog/post/{post.pk}/change/",
        "/admin/blog/post/add/",
    ]:
        violations = visit(page, watch, live_server.url + path)
        if violations:
            found[path] = violations

    assert found == {}


def test_the_watch_sees_a_violation_when_a_page_breaks_the_policy(live_server, page, site):
    """The checks above could fail: an inline style slipped into a page is reported."""
    watch = Watch(page)

    def with_inline_style(route):
        response = route.fetch()
        body = response.text().replace("</head>", "<style>body{color:red}</style></head>")
        route.fulfill(response=response, body=body)

    page.route(live_server.url + "/", with_inline_style)

    assert visit(page, watch, live_server.url + "/") != []
