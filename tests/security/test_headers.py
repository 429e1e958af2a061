"""Security headers, secure cookies, admin login throttling and the error pages."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from blog.models import Post
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def post(db):
    return make_post("Headers")


@pytest.mark.parametrize("url", ["/", "/archives/", "/search/?q=x", "/no/such/page/", "/admin/"])
def test_every_response_carries_the_security_headers(client, post, url):
    response = client.get(url, secure=True)

    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_session_and_csrf_cookies_are_secure_and_session_is_http_only(post):
    admin = make_user("boss", is_staff=True, is_superuser=True)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(post.get_absolute_url(), secure=True)
    login = browser.post(
        LOGIN,
        {
            "username": admin.username,
            "password": "password",
            "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
        },
        secure=True,
        headers={"referer": "https://testserver/admin/login/"},
    )

    assert login.status_code == 302
    assert page.cookies["csrftoken"]["secure"]
    session = login.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"


def fail_login(client, username="boss", ip="203.0.113.7"):
    return client.post(
        LOGIN, {"username": username, "password": "wrong"}, REMOTE_ADDR=ip, secure=True
    )


def test_admin_login_is_locked_after_repeated_failures_from_one_address(settings):
    make_user("boss", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert fail_login(client).status_code == 200

    locked = fail_login(client)
    right_password = client.post(
        LOGIN, {"username": "boss", "password": "password"}, REMOTE_ADDR="203.0.113.7"
    )

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "30 minutes" in locked.content.decode()
    assert right_password.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_counts_per_address_so_a_stranger_cannot_lock_the_author_out(settings):
    make_user("boss", is_staff=True, is_superuser=True)
    stranger = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        fail_login(stranger, ip="203.0.113.66")

    author = Client()
    response = author.post(
        LOGIN, {"username": "boss", "password": "password"}, REMOTE_ADDR="198.51.100.1"
    )

    assert response.status_code == 302


def test_lockout_ends_after_the_cool_off(settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    make_user("boss", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail_login(client)
    assert fail_login(client).status_code == 429

    time_machine.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
    response = client.post(
        LOGIN, {"username": "boss", "password": "password"}, REMOTE_ADDR="203.0.113.7"
    )

    assert response.status_code == 302


def test_a_successful_login_resets_the_count(settings):
    make_user("boss", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        fail_login(client)
    client.post(LOGIN, {"username": "boss", "password": "password"}, REMOTE_ADDR="203.0.113.7")
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert fail_login(client).status_code == 200


def test_database_outage_gives_a_503_page_not_a_traceback(monkeypatch, post):
    def gone(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(type(Post.objects), "published", gone, raising=False)
    client = Client(raise_request_exception=False)
    response = client.get("/")

    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "briefly unavailable" in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert "<style" not in body


def test_other_errors_keep_the_500_page(monkeypatch, post):
    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(type(Post.objects), "published", broken, raising=False)
    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "a bug" not in response.content.decode()


def test_pages_served_from_the_page_cache_keep_every_security_header(post, settings):
    settings.KIJI_PAGE_CACHE_SECONDS = 3600
    reader = Client()
    first = reader.get(post.get_absolute_url(), secure=True)
    again = reader.get(post.get_absolute_url(), secure=True)

    assert first.status_code == again.status_code == 200
    for header in (
        "Content-Security-Policy",
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
    ):
        assert again[header] == first[header], header
