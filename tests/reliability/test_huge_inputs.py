"""Huge inputs are refused early, with a clear error, in bounded memory."""

import tracemalloc

import pytest
from django.test import Client, RequestFactory
from django.test.client import ClientHandler

from comments.forms import form_token
from comments.markup import render_comment
from comments.models import Comment
from tests.factories import make_post

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def post(db, settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    return make_post("Huge")


def data(post, **fields) -> dict:
    return {
        "name": "Hanako",
        "email": "hanako@example.com",
        "form_token": form_token(post.pk),
        "text": "ok",
        **fields,
    }


def peak_bytes_handling(environ: dict, *, enforce_csrf: bool) -> tuple[int, int]:
    """(status, peak bytes allocated) for one request through Django's request handler."""
    handler = ClientHandler(enforce_csrf_checks=enforce_csrf)
    tracemalloc.start()
    try:
        response = handler(environ)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response.status_code, peak


@pytest.mark.parametrize(
    ("enforce_csrf", "status"),
    [(False, 413), (True, 403)],  # with no CSRF cookie, refused even before the size check
)
def test_a_10_mb_post_is_refused_before_it_is_read(post, enforce_csrf, status):
    body = b"text=" + b"a" * (10 * MB)
    request = RequestFactory().generic(
        "POST",
        f"/comments/post/{post.pk}/",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    del body

    answered, peak = peak_bytes_handling(request.environ, enforce_csrf=enforce_csrf)

    assert answered == status
    assert peak < 2 * MB  # the 10 MB body was never read into memory
    assert Comment.objects.count() == 0


def test_the_413_page_says_the_limits(client, post, settings):
    response = client.post(f"/comments/post/{post.pk}/", data(post, text="a" * (3 * MB)))

    body = response.content.decode()
    assert response.status_code == 413
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KB" in body
    assert "Please shorten" in body


def test_too_many_fields_are_refused(client, post):
    fields = {f"f{n}": "x" for n in range(2000)}

    response = client.post(f"/comments/post/{post.pk}/", data(post, **fields))

    assert response.status_code == 413
    assert Comment.objects.count() == 0


def test_a_million_character_comment_gets_a_form_error_keeping_nothing(client, post, settings):
    response = client.post(f"/comments/post/{post.pk}/", data(post, text="長" * 1_000_000))

    assert response.status_code in (400, 413)
    assert Comment.objects.count() == 0
    if response.status_code == 400:
        assert "at most" in response.content.decode()


def test_a_million_ascii_characters_under_the_body_limit_get_the_length_error(
    client, post, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * MB

    response = client.post(f"/comments/post/{post.pk}/", data(post, text="a" * 1_000_000))

    assert response.status_code == 400
    assert (
        f"Ensure this value has at most {settings.KIJI_COMMENTS_MAX_LENGTH} characters"
        in response.content.decode()
    )


def test_ten_thousand_links_get_the_length_error(client, post):
    text = " ".join(f"https://spam{n}.example.com/" for n in range(10_000))

    response = client.post(f"/comments/post/{post.pk}/", data(post, text=text))

    assert response.status_code == 400
    assert "at most" in response.content.decode()
    assert Comment.objects.count() == 0


def test_as_many_links_as_the_length_allows_are_held_for_review(client, post, settings):
    n = settings.KIJI_COMMENTS_MAX_LENGTH // 24
    text = " ".join(f"https://s{i:04d}.example.com/" for i in range(n))[
        : settings.KIJI_COMMENTS_MAX_LENGTH
    ]

    response = client.post(f"/comments/post/{post.pk}/", data(post, text=text))

    assert response.status_code == 302
    assert Comment.objects.get().status != "approved"


@pytest.mark.parametrize("tag", ["b", "i", "q", "code", "div", "svg"])
def test_deeply_nested_markup_at_the_length_limit_renders_in_bounded_memory(settings, tag):
    depth = settings.KIJI_COMMENTS_MAX_LENGTH // (len(tag) + 2)
    text = f"<{tag}>" * depth + "deep"

    tracemalloc.start()
    try:
        html = render_comment(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert html.endswith("</p>")
    assert "deep" in html
    assert peak < 64 * MB


def test_deeper_markup_than_the_limit_is_a_form_error(client, post):
    response = client.post(f"/comments/post/{post.pk}/", data(post, text="<b>" * 100_000))

    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_long_name_url_and_email_get_form_errors_not_500s(client, post):
    response = client.post(
        f"/comments/post/{post.pk}/",
        data(
            post,
            name="n" * 100_000,
            email="e" * 100_000 + "@example.com",
            url="https://" + "u" * 100_000 + ".example/",
        ),
    )

    assert response.status_code == 400
    assert response.content.decode().count('class="errorlist') >= 3


def test_a_long_query_string_on_search_is_not_a_500(client):
    assert Client().get("/search/", {"q": "検索" * 50_000}).status_code < 500
