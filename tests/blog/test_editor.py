"""The post editor in the admin: the body's preview and character count, and publishing dates."""

import importlib
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.admin import character_count
from blog.models import Post
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db

PREVIEW = reverse("admin:blog_post_preview")
ADD = reverse("admin:blog_post_add")
CHANGELIST = reverse("admin:blog_post_changelist")

MARKDOWN = """# 京都の古本屋

寺町通りの**本屋**、[地図](https://example.com/map)。

<script>alert("x")</script>
<p style="color: red" onclick="alert(1)">赤</p>

| 列 | 値 |
|----|----|
| a  | 1  |
"""
HTML = """<p>An <em>HTML</em> body<script>alert("x")</script></p>
<a href="javascript:alert(1)">link</a><img src="https://example.com/a.png" onerror="alert(1)">"""


class _FormValues(HTMLParser):
    """What a browser would send for the post form: every field, no submit button."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select = self._textarea = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button"}:
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.values.append((name, attrs.get("value") or ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values.append((self._select, attrs.get("value") or ""))
        elif tag == "textarea":
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.values.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_values(client: Client, url: str, **changes) -> dict:
    """The form at `url` as the browser shows it, with `changes` typed in."""
    parser = _FormValues()
    parser.feed(client.get(url).content.decode())
    values: dict = {}
    for name, value in parser.values:
        values.setdefault(name, []).append(value)
    values = {name: v if name == "tags" else v[-1] for name, v in values.items()}
    return {**values, **changes}


@pytest.fixture
def staff_client(client, author):
    client.force_login(author)
    return client


def page_body(client: Client, post: Post) -> str:
    html = client.get(post.get_absolute_url()).content.decode()
    start = html.index('<div class="post-body">') + len('<div class="post-body">')
    return html[start : html.index("</div>\n  <footer")]


@pytest.mark.parametrize(("body", "body_format"), [(MARKDOWN, "markdown"), (HTML, "html")])
def test_preview_renders_the_body_as_the_post_page_does(staff_client, body, body_format):
    response = staff_client.post(PREVIEW, {"body": body, "body_format": body_format})
    post = make_post("Same body", body=body, body_format=body_format)

    assert response.status_code == 200
    assert response.content.decode() == page_body(Client(), post)


def test_preview_is_sanitised(staff_client):
    markdown = staff_client.post(PREVIEW, {"body": MARKDOWN, "body_format": "markdown"})
    html = staff_client.post(PREVIEW, {"body": HTML, "body_format": "html"})

    assert "<strong>本屋</strong>" in markdown.content.decode()
    assert "<em>HTML</em>" in html.content.decode()
    for response in (markdown, html):
        text = response.content.decode()
        assert "<script" not in text
        assert "alert" not in text
        assert "style=" not in text
        assert "javascript:" not in text


def test_preview_refuses_get(staff_client):
    assert staff_client.get(PREVIEW).status_code == 405


def test_preview_refuses_an_unknown_format(staff_client):
    assert staff_client.post(PREVIEW, {"body": "x", "body_format": "rst"}).status_code == 400


def test_preview_refuses_staff_without_permission_to_write_posts(client):
    staff = make_user("helper", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(staff)

    assert client.post(PREVIEW, {"body": "x", "body_format": "markdown"}).status_code == 403


@pytest.mark.parametrize("codename", ["add_post", "change_post"])
def test_preview_serves_staff_who_may_add_or_change_posts(client, codename):
    staff = make_user("helper", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(staff)

    assert client.post(PREVIEW, {"body": "*x*", "body_format": "markdown"}).status_code == 200


def test_preview_is_closed_to_readers(client):
    client.force_login(make_user("reader"))

    response = client.post(PREVIEW, {"body": "x", "body_format": "markdown"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_preview_refuses_a_missing_csrf_token(author):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)

    response = client.post(PREVIEW, {"body": "x", "body_format": "markdown"})

    assert response.status_code == 403


def test_preview_accepts_the_csrf_token_of_the_form(author):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    token = form_values(client, ADD)["csrfmiddlewaretoken"]

    response = client.post(
        PREVIEW, {"csrfmiddlewaretoken": token, "body": "*x*", "body_format": "markdown"}
    )

    assert response.content == b"<p><em>x</em></p>"


def test_preview_button_shows_the_preview_and_saves_nothing(staff_client, author):
    data = form_values(
        staff_client,
        ADD,
        title="下書き",
        slug="shitagaki",
        body="**太字**の本文\n<script>alert(1)</script>",
        author=str(author.pk),
        _preview="1",
    )

    response = staff_client.post(ADD, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="body-preview-output post-body"><p><strong>太字</strong>の本文' in html
    assert "<script>alert(1)" not in html
    assert '<output id="body-count" for="id_body">' in html
    assert "errornote" not in html
    assert Post.objects.count() == 0


def test_preview_button_on_a_post_leaves_it_unchanged(staff_client):
    post = make_post("Kept", body="Old body")
    url = reverse("admin:blog_post_change", args=[post.pk])

    response = staff_client.post(url, form_values(staff_client, url, body="New", _preview="1"))

    post.refresh_from_db()
    assert response.status_code == 200
    assert "<p>New</p>" in response.content.decode()
    assert post.body == "Old body"


def test_change_form_shows_the_count_and_preview_of_the_saved_body(staff_client):
    post = make_post("Counted", body="日本語の*本文*です。\n\n二行目")
    response = staff_client.get(reverse("admin:blog_post_change", args=[post.pk]))
    html = response.content.decode()

    assert '<output id="body-count" for="id_body">14</output>' in html
    assert "<p>日本語の<em>本文</em>です。</p>" in html
    assert reverse("admin:blog_post_preview") in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("日本語", 3),
        ("かな、カナ。漢字", 8),
        ("ｱｲｳ ABC", 7),
        ("一行目\r\n二行目\n", 6),
        ("𠮷野家", 3),  # outside the BMP: one code point, two UTF-16 units
    ],
)
def test_character_count_counts_japanese_characters_not_bytes(text, expected):
    assert character_count(text) == expected


# Publishing


def month_old_draft(**fields) -> Post:
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        return make_post("Last month's draft", status=Post.Status.DRAFT, **fields)


def published_before(**fields) -> Post:
    """A post readers saw last month, since moved back to drafts."""
    date = (timezone.now() - timedelta(days=30)).replace(microsecond=0)  # as the form shows it
    post = make_post("Seen", published_at=date, **fields)
    Post.objects.filter(pk=post.pk).unpublish()
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    return post


def publish_with_action(client: Client, post: Post) -> Post:
    client.post(CHANGELIST, {"action": "publish", "_selected_action": [post.pk]})
    post.refresh_from_db()
    return post


def publish_with_form(client: Client, post: Post, **changes) -> Post:
    url = reverse("admin:blog_post_change", args=[post.pk])
    data = form_values(client, url, status="published", _save="Save", **changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    post.refresh_from_db()
    return post


@pytest.mark.parametrize("publish", [publish_with_action, publish_with_form])
def test_publishing_a_month_old_draft_dates_it_now(staff_client, publish):
    post = month_old_draft()
    assert not post.was_published()

    before = timezone.now()
    post = publish(staff_client, post)

    assert post.status == Post.Status.PUBLISHED
    assert before <= post.published_at <= timezone.now()
    assert post.first_published_at == post.published_at
    assert post.was_published() and post.is_published()


@pytest.mark.parametrize("publish", [publish_with_action, publish_with_form])
def test_a_post_published_before_keeps_its_date(staff_client, publish):
    post = published_before()
    date = post.published_at

    post = publish(staff_client, post)

    assert post.status == Post.Status.PUBLISHED
    assert post.published_at == date
    assert post.first_published_at == date


@pytest.mark.parametrize("publish", [publish_with_action, publish_with_form])
def test_a_scheduled_date_is_kept(staff_client, publish):
    future = (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)
    post = make_post("Next week", status=Post.Status.DRAFT, published_at=future)

    post = publish(staff_client, post)

    assert post.status == Post.Status.PUBLISHED
    assert post.published_at == future
    assert not post.was_published() and not post.is_published()


def test_a_date_the_author_types_is_kept(staff_client):
    post = month_old_draft()
    local = timezone.localtime(timezone.now() - timedelta(days=3))

    post = publish_with_form(
        staff_client,
        post,
        published_at_0=local.strftime("%Y-%m-%d"),
        published_at_1=local.strftime("%H:%M:%S"),
    )

    assert post.published_at == local.replace(microsecond=0)


def test_adding_a_post_as_published_dates_it_when_saved(staff_client, author):
    opened = timezone.now()
    with time_machine.travel(opened - timedelta(hours=2), tick=False):
        data = form_values(staff_client, ADD)
    data.update(
        title="Written for two hours",
        slug="two-hours",
        body="Done.",
        author=str(author.pk),
        status="published",
        _save="Save",
    )

    assert staff_client.post(ADD, data).status_code == 302
    post = Post.objects.get()
    assert post.published_at >= opened


def test_a_scheduled_post_withdrawn_before_its_date_was_never_published():
    post = make_post("Planned", published_at=timezone.now() + timedelta(days=1))
    assert post.first_published_at == post.published_at

    Post.objects.filter(pk=post.pk).unpublish()

    post.refresh_from_db()
    assert post.first_published_at is None


def test_saving_a_scheduled_post_draft_clears_the_mark():
    post = make_post("Planned", published_at=timezone.now() + timedelta(days=1))

    post.status = Post.Status.DRAFT
    post.save()

    post.refresh_from_db()
    assert post.first_published_at is None


def test_imported_and_created_published_posts_are_marked_from_their_date():
    old = timezone.now() - timedelta(days=3650)
    post = make_post("From 2016", published_at=old)

    assert post.first_published_at == old
    assert post.was_published()


def test_view_on_site_shows_for_a_draft_and_opens_the_staff_preview(staff_client):
    draft = month_old_draft()
    response = staff_client.get(reverse("admin:blog_post_change", args=[draft.pk]))
    html = response.content.decode()
    link = html[html.index('class="viewsitelink"') - 200 : html.index('class="viewsitelink"')]
    href = link[link.rindex('href="') + 6 :].split('"')[0]

    page = staff_client.get(href, follow=True)

    assert page.status_code == 200
    assert page.redirect_chain[-1][0].endswith(draft.get_absolute_url())
    assert "Preview: readers cannot see this post yet." in page.content.decode()


def test_migration_marks_posts_published_so_far():
    migration = importlib.import_module("blog.migrations.0008_mark_published_posts")
    live = make_post("Live")
    scheduled = make_post("Scheduled", published_at=timezone.now() + timedelta(days=1))
    draft = make_post("Draft", status=Post.Status.DRAFT)
    Post.objects.update(first_published_at=None)

    migration.mark_published(apps, None)

    marks = dict(Post.objects.values_list("title", "first_published_at"))
    assert marks == {"Live": live.published_at, "Scheduled": scheduled.published_at, "Draft": None}
    assert draft.first_published_at is None
