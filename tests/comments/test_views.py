import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from blog.models import Post
from comments import visitor
from comments.models import Comment
from moderation.models import Status
from tests.comments.helpers import form_data, make_comment, send
from tests.factories import make_category, make_post

pytestmark = pytest.mark.django_db

NOTICE = "Your comment is awaiting moderation"


def comments_section(html: str) -> str:
    return html[html.index('id="comments"') : html.index("</section>", html.index('id="comments"'))]


def test_post_page_shows_approved_comments_oldest_first_with_the_form(client, post):
    now = timezone.now()
    make_comment(post, author_name="Second", created_at=now - timedelta(hours=1))
    make_comment(post, author_name="First", created_at=now - timedelta(hours=2))
    make_comment(post, author_name="Waiting", status=Status.PENDING)
    make_comment(post, author_name="Spammer", status=Status.SPAM)

    html = client.get(post.get_absolute_url()).content.decode()
    section = comments_section(html)

    assert re.findall(r'class="comment-author">([^<]+)<', section) == ["First", "Second"]
    assert "2 comments" in section
    assert "Waiting" not in html and "Spammer" not in html
    assert 'name="text"' in section
    assert "Email (not displayed with comment)" in section
    assert "Comments are moderated" in section


def test_commenter_name_links_to_their_site_with_nofollow(client, post):
    make_comment(post, author_name="Taro", author_url="https://taro.example/")

    html = client.get(post.get_absolute_url()).content.decode()

    assert '<a href="https://taro.example/" rel="nofollow ugc noopener">Taro</a>' in html


def test_comment_dates_are_in_the_blog_time_zone(client, post, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    make_comment(post, created_at=datetime(2026, 1, 1, 15, 30, tzinfo=UTC))

    html = client.get(post.get_absolute_url()).content.decode()

    assert 'datetime="2026-01-02T00:30:00+09:00"' in html


def test_valid_comment_is_stored_pending_and_the_visitor_is_told(client, post):
    response = send(client, post, text="First!\n\nSecond paragraph.")

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#comment-{comment.pk}"
    assert comment.status == Status.PENDING
    assert comment.status_reason == "Awaiting review"
    assert comment.ip_address == "127.0.0.1"
    page = client.get(response["Location"]).content.decode()
    assert NOTICE in page
    assert "First!" in comments_section(page)
    assert "comment-pending" in page


def test_pending_comment_is_seen_by_its_author_only(client, post):
    send(client, post, text="Only mine until approved")

    other = Client()
    assert "Only mine" not in other.get(post.get_absolute_url()).content.decode()
    assert "Only mine" in client.get(post.get_absolute_url()).content.decode()


def test_forged_session_ids_do_not_reveal_other_pending_comments(client, post):
    hidden = make_comment(post, status=Status.PENDING, text="Someone else's secret")
    send(client, post)
    session = client.session
    session[visitor.SESSION_KEY] = [*session[visitor.SESSION_KEY], str(hidden.pk), hidden.pk]
    session.save()

    assert "secret" not in client.get(post.get_absolute_url()).content.decode()


def test_rejected_own_comment_is_no_longer_shown(client, post):
    send(client, post, text="Will be rejected")
    Comment.objects.update(status=Status.REJECTED)

    assert "Will be rejected" not in client.get(post.get_absolute_url()).content.decode()


def test_double_submission_is_stored_once_with_the_same_answer(client, post):
    first = send(client, post, text="Twice sent")
    second = send(Client(), post, text="Twice  sent ")

    assert Comment.objects.count() == 1
    assert second.status_code == first.status_code == 302
    assert second["Location"] == first["Location"]


def test_invalid_form_keeps_every_field_and_puts_errors_next_to_them(client, post):
    response = send(
        client, post, name="Jiro", email="not-an-email", url="javascript:alert(1)", text="Kept"
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert Comment.objects.count() == 0
    assert 'value="Jiro"' in html
    assert 'value="not-an-email"' in html
    assert ">\nKept</textarea>" in html
    assert re.search(r'id="id_email_error".*Enter a valid email address', html, re.S)
    assert "Only web addresses starting with http:// or https:// are allowed." in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "x" * 101, "at most 100 characters"),
        ("name", "", "Enter your name."),
        ("email", "", "Enter your email address"),
        ("email", "a@" + "b" * 260 + ".com", "at most 254 characters"),
        ("url", "data:text/html,<script>alert(1)</script>", "Only web addresses"),
        ("url", "JavaScript:alert(1)", "Only web addresses"),
        ("url", "https://" + "a" * 200 + ".com", "at most 200 characters"),
        ("url", "http://exa mple.com", "Enter a web address"),
        ("text", "   ", "Write a comment."),
        ("text", "x" * 5001, "at most 5000 characters"),
        ("text", "bell\x07", "control character (U+0007)"),
        ("name", "Ta\x1bro", "control character (U+001B)"),
        ("name", "evil\u202eexe.txt", "text-direction control"),
        ("text", "broken \ufffd bytes", "broken or mixed encoding"),
    ],
)
def test_bad_input_gets_a_clear_message_never_a_500(client, post, field, value, message):
    response = send(client, post, **{field: value})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Comment.objects.count() == 0


def test_undecodable_bytes_get_a_clear_message(client, post):
    body = (
        "&".join(f"{k}={v}" for k, v in form_data(post, text="x").items() if k != "text").encode()
        + b"&text=%E3%81%82%FF%FE"
    )

    response = client.post(
        f"/comments/post/{post.pk}/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert "broken or mixed encoding" in response.content.decode()


def test_bare_domain_website_gets_https(client, post):
    send(client, post, url="example.com/me")

    assert Comment.objects.get().author_url == "https://example.com/me"


@pytest.mark.parametrize(
    "make_target",
    [
        lambda: make_post(status=Post.Status.DRAFT),
        lambda: make_post(published_at=timezone.now() + timedelta(days=2)),
    ],
)
def test_unpublished_post_gets_not_found(client, make_target):
    target = make_target()

    response = send(client, target)

    assert response.status_code == 404
    assert "There is no published post to comment on" in response.content.decode()
    assert Comment.objects.count() == 0


def test_missing_post_gets_not_found(client, post):
    response = client.post("/comments/post/999999/", form_data(post))

    assert response.status_code == 404
    assert "There is no published post" in response.content.decode()


def test_post_with_comments_disabled_refuses_and_hides_the_form(client):
    closed = make_post(comments_enabled=False)
    make_comment(closed, author_name="Earlier")

    response = send(client, closed)
    page = client.get(closed.get_absolute_url()).content.decode()

    assert response.status_code == 403
    assert "Comments are closed" in response.content.decode()
    assert "Comments are closed." in page
    assert 'name="text"' not in page
    assert "Earlier" in page


def test_comments_close_automatically_after_the_configured_days(client, settings):
    settings.KIJI_CLOSE_DISCUSSION_AFTER_DAYS = 30
    old = make_post(published_at=timezone.now() - timedelta(days=31))
    recent = make_post(published_at=timezone.now() - timedelta(days=29))

    assert send(client, old).status_code == 403
    assert send(client, recent).status_code == 302


def test_get_on_the_submit_address_goes_to_the_posts_comments(client, post):
    response = client.get(f"/comments/post/{post.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#comments"
    assert client.get("/comments/post/424242/").status_code == 404
    assert client.put(f"/comments/post/{post.pk}/").status_code == 405


def test_refused_comment_text_is_given_back(client):
    closed = make_post(comments_enabled=False)

    response = send(client, closed, text="Words I do not want to lose")

    assert "readonly>Words I do not want to lose</textarea>" in response.content.decode()


def test_form_without_csrf_token_is_refused(post):
    strict = Client(enforce_csrf_checks=True)

    assert send(strict, post).status_code == 403
    assert Comment.objects.count() == 0


def test_preview_shows_the_rendered_comment_and_stores_nothing(client, post):
    response = send(client, post, text="Look: https://example.com/\n\n<b>bold</b>", preview="1")

    html = response.content.decode()
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    assert "Preview your comment" in html
    assert '<a href="https://example.com/" rel="nofollow ugc noopener">' in html
    assert "<p><b>bold</b></p>" in html
    assert "Look: https://example.com/\n\n&lt;b&gt;bold&lt;/b&gt;</textarea>" in html


def test_remember_me_prefills_the_form_next_time(client, post):
    send(
        client,
        post,
        name="Yuki",
        email="yuki@example.com",
        url="https://yuki.example/",
        remember="on",
    )

    html = client.get(post.get_absolute_url()).content.decode()
    form = html[html.index('class="comment-form"') :]
    assert 'value="Yuki"' in form
    assert 'value="yuki@example.com"' in form
    assert 'value="https://yuki.example/"' in form
    assert 'name="remember" id="id_remember" checked' in form


def test_form_pages_with_the_visitors_email_are_private_to_caches_in_front(client, post):
    comment = make_comment(post, status=Status.APPROVED)
    send(client, post, name="Yuki", email="yuki@example.com", remember="on")

    reply = client.get(f"/comments/{comment.pk}/reply/")
    preview = send(client, post, email="yuki@example.com", preview="1")

    for page in (reply, preview):
        assert 'value="yuki@example.com"' in page.content.decode()
        assert "private" in page["Cache-Control"]


def test_not_ticking_remember_me_forgets(client, post):
    send(client, post, name="Yuki", remember="on")
    send(client, post, name="Yuki", text="again")

    form = client.get(post.get_absolute_url()).content.decode()
    assert 'value="Yuki"' not in form[form.index('class="comment-form"') :]


def test_tampered_remember_cookie_is_ignored(client, post):
    client.cookies[visitor.COOKIE_NAME] = "eyJuYW1lIjoiWCJ9:forged"

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert 'value="X"' not in response.content.decode()


def test_flood_of_comments_from_one_address_gets_429(client, post, settings):
    settings.KIJI_COMMENTS_PER_MINUTE = 2
    statuses = [send(client, post, text=f"Comment {i}").status_code for i in range(3)]

    assert statuses == [302, 302, 429]
    last = send(client, post, text="Typed again, kept")
    html = last.content.decode()
    assert "Too many submissions" in html
    assert ">\nTyped again, kept</textarea>" in html
    assert last["Retry-After"] == "60"
    assert Comment.objects.count() == 2


def test_approval_checkbox_is_offered_only_when_enabled(client, post, settings):
    assert 'name="notify"' not in client.get(post.get_absolute_url()).content.decode()
    settings.KIJI_COMMENTS_NOTIFY_ON_APPROVAL = True
    assert 'name="notify"' in client.get(post.get_absolute_url()).content.decode()


@pytest.mark.parametrize("n_comments", [0, 300])
def test_post_page_takes_the_same_queries_whatever_the_number_of_comments(
    client, django_assert_num_queries, n_comments
):
    post = make_post(category=make_category())
    Comment.objects.bulk_create(
        Comment(
            post=post,
            author_name=f"R{i}",
            author_email=f"r{i}@example.com",
            text=f"c{i}",
            text_html=f"<p>c{i}</p>",
            fingerprint=f"{i:064d}",
            status=Status.APPROVED,
        )
        for i in range(n_comments)
    )
    Comment.objects.filter(post=post).start_threads()

    # The blog's 8 (post with its comment and ping counts, tags, previous, next,
    # related, sidebar x3) + its featured image + one page of comments + the pings.
    with django_assert_num_queries(11):
        response = client.get(post.get_absolute_url())
    assert response.content.decode().count('class="comment"') == min(n_comments, 100)


def test_japanese_interface(client, post, settings):
    settings.LANGUAGE_CODE = "ja"
    make_comment(post)

    page = client.get(post.get_absolute_url()).content.decode()
    error = send(client, post, email="").content.decode()

    assert "1 件のコメント" in page
    assert "コメントには表示されません" in page
    assert "コメントは承認制です" in page
    assert "メールアドレスを入力してください" in error


def test_the_csrf_failure_page_speaks_the_blogs_language(post, settings):
    settings.LANGUAGE_CODE = "ja"
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(f"/comments/post/{post.pk}/", form_data(post))

    assert response.status_code == 403
    assert "書いた内容はフォームに残っています" in response.content.decode()
    assert "CSRF" not in response.content.decode()
