"""A post's comment and TrackBack sections are kept rendered until what they show changes.

The page cache is off in these tests, so every request runs the view and
only the kept sections (pagecache/fragments.py) can make a page stale.
"""

import re
from datetime import timedelta

import pytest
from django.template.base import Template
from django.test import Client
from django.utils import timezone

from blog.models import Post
from comments import visitor
from comments.forms import form_age
from comments.models import Comment
from moderation.models import Status
from moderation.services import moderate
from pagecache.pages import CSRF_PLACEHOLDER
from tests.comments.helpers import form_data, make_comment, send
from tests.factories import make_ping, make_post
from trackbacks.models import Trackback

pytestmark = pytest.mark.django_db

SECTIONS = ("comments/_section.html", "trackbacks/_section.html")
FORM = "comments/_form.html"


@pytest.fixture(autouse=True)
def _sections_only(settings):
    settings.KIJI_PAGE_CACHE_SECONDS = 0


@pytest.fixture
def renders(monkeypatch):
    """The names of the section templates rendered, in order."""
    names = []
    original = Template.render

    def counting(self, *args, **kwargs):
        if self.name in (*SECTIONS, FORM):
            names.append(self.name)
        return original(self, *args, **kwargs)

    # Django's own Template: included templates are counted too.
    monkeypatch.setattr(Template, "render", counting)
    return names


@pytest.fixture
def post():
    post = make_post("Long thread")
    make_comment(post, author_name="Aiko", text="First remark.")
    make_comment(post, author_name="Ben", text="Second remark.")
    make_ping(post, title="A reply", status=Status.APPROVED)
    return post


def page(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_sections_render_once_then_are_reused_without_querying(client, post, renders):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = page(client, post)
    with CaptureQueriesContext(connection) as queries:
        second = page(Client(), post)

    assert renders == [FORM, *SECTIONS]
    assert not [q for q in queries if q["sql"].startswith('SELECT "comments_comment"."id"')]
    assert not [q for q in queries if q["sql"].startswith('SELECT "trackbacks_trackback"."id"')]
    assert "Second remark." in second and "A reply" in second
    assert _without_tokens(first) == _without_tokens(second)


@pytest.mark.parametrize(
    "change, shown, hidden",
    [
        ("new approved comment", "Third remark.", None),
        ("edited comment", "Edited remark.", "First remark."),
        ("edited with update_fields", "Edited remark.", "First remark."),
        ("comment rejected", None, "First remark."),
        ("comment marked spam", None, "First remark."),
        ("comment deleted", None, "First remark."),
        ("author name anonymised", "Anonymous", "Aiko"),
    ],
)
def test_every_change_to_the_comments_shows_on_the_next_request(
    client, post, change, shown, hidden
):
    page(client, post)
    first = Comment.objects.get(author_name="Aiko")
    if change == "new approved comment":
        make_comment(post, text="Third remark.")
    elif change == "edited comment":
        first.text = "Edited remark."
        first.save()
    elif change == "edited with update_fields":
        first.text = "Edited remark."
        first.save(update_fields=["text"])
    elif change == "comment rejected":
        moderate(first, status=Status.REJECTED)
    elif change == "comment marked spam":
        moderate(first, status=Status.SPAM)
    elif change == "comment deleted":
        first.delete()
    else:
        first.author_name = "Anonymous"
        first.save()

    html = page(Client(), post)

    if shown:
        assert shown in html
    if hidden:
        assert hidden not in html


def test_a_comment_approved_again_after_a_rejection_shows_again(client, post):
    later = make_comment(post, text="Held back, then approved.", status=Status.PENDING)
    page(client, post)
    moderate(later, status=Status.APPROVED)
    assert "Held back, then approved." in page(Client(), post)
    moderate(later, status=Status.REJECTED)
    assert "Held back, then approved." not in page(Client(), post)
    moderate(later, status=Status.APPROVED)
    assert "Held back, then approved." in page(Client(), post)


def test_only_changes_readers_see_raise_the_revision(post):
    def revision() -> int:
        return Post.objects.values_list("discussion_revision", flat=True).get(pk=post.pk)

    seen = [revision()]
    waiting = make_comment(post, status=Status.PENDING)
    seen.append(revision())
    moderate(waiting, status=Status.SPAM)
    seen.append(revision())
    moderate(waiting, status=Status.APPROVED)
    seen.append(revision())
    waiting.delete()
    seen.append(revision())

    assert seen[0] == seen[1] == seen[2] < seen[3] < seen[4]


def test_saving_a_post_loaded_earlier_keeps_the_newer_revision(client, post):
    page(client, post)
    stale = Post.objects.get(pk=post.pk)
    edited = Comment.objects.get(author_name="Aiko")
    edited.text = "Edited after the post was loaded."
    edited.save()

    stale.title = "Retitled"
    stale.save()

    html = page(Client(), post)
    assert "Edited after the post was loaded." in html
    assert "Retitled" in html


def test_saving_a_post_loaded_earlier_keeps_the_newer_pings_revision(client, post):
    page(client, post)
    stale = Post.objects.get(pk=post.pk)
    ping = Trackback.objects.get(title="A reply")
    ping.title = "A ping edited after the post was loaded"
    ping.save()

    stale.body = "A new body."
    stale.save()

    assert "A ping edited after the post was loaded" in page(Client(), post)


@pytest.mark.parametrize("change", ["approved", "deleted", "edited", "unapproved"])
def test_every_change_to_the_pings_shows_on_the_next_request(client, post, change):
    page(client, post)
    ping = Trackback.objects.get()
    if change == "approved":
        make_ping(post, title="Another reply", status=Status.APPROVED)
    elif change == "deleted":
        ping.delete()
    elif change == "edited":
        ping.title = "Another reply"
        ping.save(update_fields=["title"])
    else:
        moderate(ping, status=Status.PENDING)

    html = page(Client(), post)

    if change in {"approved", "edited"}:
        assert "Another reply" in html
    if change in {"deleted", "unapproved"}:
        assert "A reply" not in html


def test_an_approved_comment_renders_the_comments_again_not_the_form_nor_the_pings(
    client, post, renders
):
    page(client, post)
    renders.clear()
    waiting = make_comment(post, text="Third remark.", status=Status.PENDING)
    moderate(waiting, status=Status.APPROVED)

    html = page(Client(), post)

    assert "Third remark." in html
    assert renders == ["comments/_section.html"]
    assert 'class="comment-form"' in html and "A reply" in html


@pytest.mark.parametrize("change", ["approved", "edited", "deleted"])
def test_a_changed_ping_renders_the_pings_again_not_the_comments(client, post, renders, change):
    page(client, post)
    renders.clear()
    if change == "approved":
        ping = make_ping(post, title="Another reply", status=Status.PENDING)
        moderate(ping, status=Status.APPROVED)
    elif change == "edited":
        ping = Trackback.objects.get(title="A reply")
        ping.title = "Another reply"
        ping.save()
    else:
        Trackback.objects.get(title="A reply").delete()

    html = page(Client(), post)

    assert renders == ["trackbacks/_section.html"]
    assert ("Another reply" in html) == (change != "deleted")
    assert "Second remark." in html


def test_a_new_title_and_closed_discussion_show(client, post):
    page(client, post)
    post.title = "A new title"
    post.comments_enabled = False
    post.pings_enabled = False
    post.save()

    html = page(Client(), post)

    assert "Listed below are links to weblogs that reference" in html
    assert ">A new title</a>" in html
    assert "Comments are closed." in html
    assert 'class="comment-form"' not in html


def test_each_visitor_gets_their_own_tokens_and_the_comment_is_accepted(post):
    page(Client(), post)
    visitor_client = Client(enforce_csrf_checks=True)

    html = page(visitor_client, post)

    assert CSRF_PLACEHOLDER not in html
    assert "placeholder" not in re.search(r'name="form_token"[^>]*>', html)[0]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    token = re.search(r'name="form_token" value="([^"]+)"', html)[1]
    response = visitor_client.post(
        f"/comments/post/{post.pk}/",
        {**form_data(post), "form_token": token, "csrfmiddlewaretoken": csrf},
    )
    assert response.status_code == 302
    assert Comment.objects.filter(text=form_data(post)["text"], status=Status.PENDING).exists()


def test_a_bot_posting_at_once_from_a_kept_section_is_caught(post, settings, time_machine):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 5
    time_machine.move_to(timezone.now(), tick=False)
    page(Client(), post)
    time_machine.shift(timedelta(minutes=10))
    html = page(Client(), post)
    token = re.search(r'name="form_token" value="([^"]+)"', html)[1]

    assert form_age(token, post.pk) < 1
    Client().post(f"/comments/post/{post.pk}/", {**form_data(post), "form_token": token})
    assert Comment.objects.get(text=form_data(post)["text"]).status == Status.SPAM


def test_a_visitor_with_a_pending_comment_sees_it_and_nobody_else_does(client, post):
    page(Client(), post)
    send(client, post, name="Chika", text="Mine, still waiting.")

    assert "Mine, still waiting." in page(client, post)
    assert "Mine, still waiting." not in page(Client(), post)


def test_a_remembered_commenter_gets_their_form_and_nobody_else_does(client, post):
    page(Client(), post)
    send(client, post, name="Daichi", email="daichi@example.com", remember="on")
    assert client.cookies.get(visitor.COOKIE_NAME)

    assert 'value="Daichi"' in page(client, post)
    assert 'value="Daichi"' not in page(Client(), post)


def test_each_language_keeps_its_own_sections(post, settings):
    assert "Leave a comment" in page(Client(), post)
    settings.LANGUAGE_CODE = "ja"

    html = page(Client(), post)

    assert "Leave a comment" not in html
    assert "コメント" in html


def test_sections_can_be_left_out_of_the_cache(client, post, renders, settings):
    settings.KIJI_ITEM_CACHE_SECONDS = 0

    page(client, post)
    page(Client(), post)

    assert renders == [FORM, *SECTIONS] * 2


def _without_tokens(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'name="form_token" value="[^"]+"', "", html)
