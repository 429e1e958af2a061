"""Two app processes with one Redis share sessions, flood counters and cache invalidation.

This is the "several app servers" deploy: two gunicorn processes on
127.0.0.1, one database, one Redis (database 5 of the local server, emptied
first). Skipped only when no Redis answers at `KIJI_TEST_REDIS_URL`, and
never in CI (`KIJI_REQUIRE_REDIS=1`, set by `.ci/run`).
"""

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("KIJI_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)


def redis_answers() -> bool:
    try:
        return bool(redis_client().ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("KIJI_REQUIRE_REDIS") and not redis_answers(),
    reason=f"no Redis at {REDIS_URL}",
)

SETUP = """
from django.contrib.auth import get_user_model
from blog.models import Post
from comments.models import Comment
author = get_user_model().objects.create_superuser("editor", "editor@example.com", "pw-12345")
post = Post.objects.create(title="Shared post", body="Body.", author=author, status="published")
Comment.objects.create(post=post, author_name="Waiting", author_email="w@example.com",
                       text="Approved on one server, seen on the other", status="pending")
print(post.get_absolute_url())
"""


@dataclass
class Blog:
    servers: list[str]
    post_url: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_path: Path, cache_url: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off) for a test app server over plain HTTP on 127.0.0.1."""
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATICFILES_MANIFEST": "false",
        "DATABASE_URL": f"sqlite:///{database_path}",
        "CACHE_URL": cache_url,
        "EMAIL_URL": "dummymail://",
        "COMMENTS_MIN_FORM_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def migrate_and_seed(env: dict[str, str]) -> str:
    """Migrate the server's database and add SETUP's blog; the post's URL."""
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    made = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", SETUP],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return made.stdout.strip().splitlines()[-1]


def start_server(env: dict[str, str], port: int, **popen) -> subprocess.Popen:
    """gunicorn with one worker on 127.0.0.1:`port`."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "1"),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
        **popen,
    )


@pytest.fixture(scope="module")
def blog(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("shared-state")
    env = server_env(workdir / "db.sqlite3", REDIS_URL, COMMENTS_PER_MINUTE="3")
    redis_client().flushdb()
    post_url = migrate_and_seed(env)
    ports = [free_port(), free_port()]
    processes = [start_server(env, port) for port in ports]
    servers = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for server in servers:
            wait_for(server + "/robots.txt")
        yield Blog(servers, post_url)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        redis_client().flushdb()


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url}")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie jar that talks to any of the servers, without following redirects."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirects()
        )

    def request(self, url: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers={"Referer": url, **(headers or {})})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def comment_form(page: str, name: str, email: str) -> tuple[str, dict[str, str]]:
    """The submit address of a post page's comment form and its fields, text left out."""
    post_id = re.search(r'action="/comments/post/(\d+)/"', page).group(1)
    fields = {
        "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
        "form_token": hidden(page, "form_token"),
        "name": name,
        "email": email,
        "homepage": "",
    }
    return f"/comments/post/{post_id}/", fields


def log_in(browser: Browser, server: str) -> None:
    _, _, page = browser.request(server + "/admin/login/")
    status, _, _ = browser.request(
        server + "/admin/login/",
        {
            "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
            "username": "editor",
            "password": "pw-12345",
            "next": "/admin/",
        },
    )
    assert status == 302, "login refused"


def approve_on(server: str, words: str) -> None:
    """Approve the comment holding `words` with the desk's action, signed in on `server`."""
    editor = Browser()
    log_in(editor, server)
    _, _, desk = editor.request(
        server + "/admin/comments/comment/?" + urllib.parse.urlencode({"q": words})
    )
    comment_id = re.search(r'name="_selected_action" value="(\d+)"', desk).group(1)
    status, _, _ = editor.request(
        server + "/admin/comments/comment/",
        {
            "csrfmiddlewaretoken": hidden(desk, "csrfmiddlewaretoken"),
            "action": "approve",
            "_selected_action": comment_id,
        },
    )
    assert status == 302


def test_a_session_started_on_one_server_is_known_to_the_other(blog):
    first, second = blog.servers
    editor = Browser()

    log_in(editor, first)
    status, _, page = editor.request(second + "/admin/")

    assert status == 200
    assert "editor" in page
    session_key = editor.cookie("sessionid")
    assert any(session_key.encode() in key for key in redis_client().scan_iter("*session*"))


def test_flood_control_counts_attempts_on_both_servers_together(blog):
    reader = Browser()
    _, _, page = reader.request(blog.servers[0] + blog.post_url)
    action, form = comment_form(page, "Quick", "quick@example.com")

    statuses = [
        reader.request(server + action, {**form, "text": f"Try {n}"})[0]
        for n, server in enumerate(blog.servers * 2)
    ]

    assert statuses == [302, 302, 302, 429]


def test_a_change_made_through_one_server_shows_on_the_other_at_once(blog):
    first, second = blog.servers
    reader = Browser()
    # Behind one proxy both servers see the same Host.
    same_host = {"Host": "127.0.0.1"}
    before = [
        reader.request(server + blog.post_url, headers=same_host)
        for server in (first, second, second)
    ]
    assert all(status == 200 for status, _, _ in before)
    assert "Approved on one server" not in before[2][2]
    # One shared cache: the page stored by the first is served by the second.
    assert before[0][1]["ETag"] == before[2][1]["ETag"]

    approve_on(first, "Approved on one server")

    status, headers, page = reader.request(second + blog.post_url, headers=same_host)
    assert status == 200
    assert "Approved on one server, seen on the other" in page
    assert headers["ETag"] != before[2][1]["ETag"]
