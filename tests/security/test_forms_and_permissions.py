"""CSRF on every form Kiji serves, who may moderate, and the one-click links' safety."""

import re
import threading
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from moderation import links
from moderation.models import Status
from tests.comments.helpers import form_data, make_comment
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attrs.get("method") or "get").lower(), "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(attrs.get("name"))


def post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [f for f in parser.forms if f["method"] == "post"]


@pytest.fixture
def blog(db, settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    owner = make_user("owner", is_staff=True, is_superuser=True, email="owner@example.com")
    post = make_post("Forms", author=owner)
    comment = make_comment(post, status=Status.PENDING)
    return owner, post, comment


def test_every_post_form_on_every_page_carries_a_csrf_token(blog):
    owner, post, comment = blog
    reader, staff = Client(), Client()
    staff.force_login(owner)
    pages = {
        "post page": reader.get(post.get_absolute_url()),
        "comment errors": reader.post(
            reverse("comments:post", args=[post.pk]), form_data(post, email="x")
        ),
        "preview": reader.post(
            reverse("comments:post", args=[post.pk]), form_data(post, preview="1")
        ),
        "moderation link": reader.get(
            reverse("moderation:link", args=[links.action_token(comment, "approve")])
        ),
        "admin login": Client().get("/admin/login/"),
        "admin list": staff.get(CHANGELIST),
        "admin change": staff.get(reverse("admin:comments_comment_change", args=[comment.pk])),
        "admin post": staff.get(reverse("admin:blog_post_add")),
        "admin ping list": staff.get(reverse("admin:trackbacks_trackback_changelist")),
        "admin import": staff.get(reverse("admin:porting_importjob_add")),
    }
    found = 0
    for name, response in pages.items():
        forms = post_forms(response.content.decode())
        assert forms, name
        for form in forms:
            found += 1
            assert "csrfmiddlewaretoken" in form["inputs"], name
    assert found >= len(pages)


def strict() -> Client:
    return Client(enforce_csrf_checks=True)


def test_comment_form_without_a_token_is_refused_with_a_clear_page(blog):
    _, post, _ = blog
    response = strict().post(reverse("comments:post", args=[post.pk]), form_data(post))

    assert response.status_code == 403
    # The site's own words, not Django's technical page (config.views.csrf_failure).
    assert "what you wrote is still in the form" in response.content.decode()
    assert Comment.objects.count() == 1


def test_moderation_link_without_a_token_changes_nothing(blog):
    _, _, comment = blog
    url = reverse("moderation:link", args=[links.action_token(comment, "approve")])

    assert strict().post(url).status_code == 403
    assert Comment.objects.get().status == Status.PENDING


def test_admin_login_and_actions_without_a_token_are_refused(blog):
    owner, _, comment = blog
    login = strict().post("/admin/login/", {"username": "owner", "password": "password"})
    staff = strict()
    staff.force_login(owner)
    action = staff.post(CHANGELIST, {"action": "approve", "_selected_action": [comment.pk]})
    change = staff.post(
        reverse("admin:comments_comment_change", args=[comment.pk]), {"status": "approved"}
    )
    logout = staff.post("/admin/logout/")

    assert [login.status_code, action.status_code, change.status_code] == [403, 403, 403]
    assert logout.status_code == 403
    assert Comment.objects.get().status == Status.PENDING


def staff_with(*codenames: str, staff: bool = True):
    user = make_user(is_staff=staff)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("codenames", "is_staff", "allowed"),
    [
        ((), True, False),
        (("view_comment",), True, False),
        (("change_comment",), False, False),
        (("view_comment", "change_comment"), True, True),
    ],
)
def test_only_staff_with_the_moderation_permission_can_approve(blog, codenames, is_staff, allowed):
    _, _, comment = blog
    client = staff_with(*codenames, staff=is_staff)

    client.post(CHANGELIST, {"action": "approve", "_selected_action": [comment.pk]})
    client.post(
        reverse("admin:comments_comment_change", args=[comment.pk]),
        {"status": "approved", "author_name": "x", "author_email": "x@example.com", "text": "x"},
    )

    assert (Comment.objects.get().status == Status.APPROVED) is allowed


def test_view_only_staff_does_not_even_see_the_actions(blog):
    page = staff_with("view_comment").get(CHANGELIST + "?status=all")

    assert page.status_code == 200
    assert 'value="approve"' not in page.content.decode()


def approve_url(comment) -> str:
    return reverse("moderation:link", args=[links.action_token(comment, "approve")])


def tamper(token: str) -> list[str]:
    """Variants of a signed token an attacker could make without the key."""
    value, _, signature = token.rpartition(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return [
        f"{value}:{flipped}",
        f"{value}x:{signature}",
        token[:-5],
        token + "0",
        token.upper(),
        signing.dumps({"m": "comments.comment", "pk": 1, "a": "approve", "s": ""}, salt="other"),
        signing.dumps({"m": "comments.comment", "pk": 1, "a": "delete", "s": ""}, salt=links.SALT),
    ]


def test_tampered_links_fail_safely_and_change_nothing(blog):
    _, _, comment = blog
    token = links.action_token(comment, "approve")
    reader = Client()

    for forged in tamper(token):
        url = reverse("moderation:link", args=[forged])
        assert reader.get(url).status_code == 400, forged
        assert reader.post(url).status_code == 400, forged
    assert Comment.objects.get().status == Status.PENDING


def test_a_link_for_one_comment_cannot_moderate_another(blog):
    _, post, comment = blog
    other = make_comment(post, status=Status.PENDING)
    token = links.action_token(comment, "approve")
    payload = signing.loads(token, salt=links.SALT)
    value = signing.dumps({**payload, "pk": other.pk}, salt="not-the-key", compress=True)
    forged = value.rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1]

    assert Client().post(reverse("moderation:link", args=[forged])).status_code == 400
    assert Comment.objects.get(pk=other.pk).status == Status.PENDING


def test_a_comment_deleted_between_reading_and_using_the_link_is_refused(blog, monkeypatch):
    _, _, comment = blog
    read = links.read_token

    def read_then_delete(token):
        link = read(token)
        Comment.objects.filter(pk=link.item.pk).delete()
        return link

    monkeypatch.setattr(links, "read_token", read_then_delete)

    assert Client().post(approve_url(comment)).status_code == 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_moderate_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL) for real row locks")
    post = make_post("Race")
    comment = make_comment(post, status=Status.PENDING)
    urls = [approve_url(comment), reverse("moderation:link", args=[
        links.action_token(comment, "spam")])]  # fmt: skip
    start = threading.Barrier(len(urls) * 4)
    codes: list[int] = []

    def click(url):
        start.wait()
        codes.append(Client().post(url).status_code)
        connection.close()

    threads = [threading.Thread(target=click, args=(url,)) for url in urls * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(codes) == [200] + [400] * 7
    assert re.match(r"(Approved|Spam) from the email link", Comment.objects.get().status_reason)
