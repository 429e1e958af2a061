"""Faults: the database out of reach gives a 503 page; a failing mail server loses no comment.

Every fault is real: a server process pointed at a database that is not
there, PostgreSQL connections killed under running workers, an SMTP port on
which nothing listens.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import Comment
from moderation.models import Status
from moderation.services import moderate
from tests.comments.helpers import send
from tests.factories import make_post, make_user
from tests.reliability.conftest import make_served_post
from tests.reliability.servers import Server, free_port

# A CSRF cookie and token pair needs no database: the same 32 characters in both.
FAKE_CSRF = "k" * 32


@pytest.mark.servers
@pytest.mark.parametrize(
    "database_url",
    [
        pytest.param(f"postgres://postgres@127.0.0.1:{free_port()}/gone", id="postgres-down"),
        pytest.param("sqlite:////nonexistent-kiji-dir/db.sqlite3", id="sqlite-unopenable"),
    ],
)
def test_database_out_of_reach_gives_503_pages_not_tracebacks(tmp_path, database_url):
    server = Server(database_url, tmp_path / "gunicorn.log", workers=2)
    try:
        answers = [
            server.request("GET", "/"),
            server.request("GET", "/2026/01/01/some-post/"),
            server.request("GET", "/archives/"),
            server.post_form(
                "/comments/post/1/",
                {
                    "name": "n",
                    "email": "n@example.com",
                    "text": "t",
                    "csrfmiddlewaretoken": FAKE_CSRF,
                },
                f"csrftoken={FAKE_CSRF}",
            ),
        ]
    finally:
        server.stop()

    for answer in answers:
        assert answer.status == 503, answer.body[:500]
        assert answer.headers["retry-after"] == "60"
        assert "briefly unavailable" in answer.body
        assert "Traceback" not in answer.body and "Error" not in answer.body
        assert answer.headers["content-security-policy"]


@pytest.mark.servers
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_recover_when_postgresql_drops_their_connections(served_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    _, path = make_served_post(served_db)
    server = Server(served_db.url, tmp_path / "gunicorn.log", workers=2)
    try:
        warm = [server.request("GET", path).status for _ in range(6)]
        killed = served_db.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        after = [server.request("GET", path).status for _ in range(6)]
        log = server.log()
    finally:
        server.stop()

    assert warm == [200] * 6
    assert len(killed) >= 1
    assert set(after) <= {200, 503}  # a request caught mid-way gets the 503 page
    assert after[-2:] == [200, 200]  # and the workers reconnect
    assert "database is locked" not in log


@pytest.fixture
def dead_smtp(settings):
    """A mail server that turns every connection away ("421", then hangs up)."""
    server = _BadTarget(b"421 4.3.2 Service not available\r\n", speaks_first=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    settings.KIJI_COMMENTS_NOTIFY_ON_APPROVAL = True
    yield server
    server.close()


@pytest.mark.django_db(transaction=True)
def test_a_dead_mail_server_loses_no_comment(client, dead_smtp):
    owner = make_user("owner", email="owner@example.com")
    post = make_post("Mail down", author=owner)

    responses = [send(client, post, text=f"Kept {n}", notify="on") for n in range(5)]
    for comment in Comment.objects.all():
        moderate(comment, status=Status.APPROVED)

    assert [r.status_code for r in responses] == [302] * 5
    assert Comment.objects.filter(status=Status.APPROVED).count() == 5
    # Five moderation emails and five approval notices were tried, and refused.
    assert dead_smtp.connections >= 10


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_failed_mail_is_retried_later(client, dead_smtp, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    owner = make_user("owner", email="owner@example.com")
    post = make_post("Queue", author=owner)

    response = send(client, post, text="Queued")
    mails = DBTaskResult.objects.filter(task_path__endswith="send_moderation_email")
    queued = mails.count()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert response.status_code == 302
    assert Comment.objects.get().text == "Queued"
    assert queued == 1
    # The failed attempt is queued again for later, not dropped.
    assert mails.count() == 2
    assert mails.filter(status="READY", run_after__gt=timezone.now()).exists()


class _BadTarget:
    """A TCP server on 127.0.0.1 that either never answers or answers garbage."""

    def __init__(self, garbage: bytes | None, *, speaks_first: bool = False):
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.garbage = garbage
        self.speaks_first = speaks_first
        self.held = []
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.garbage is None:
                self.held.append(conn)  # read nothing, answer nothing
            else:
                if not self.speaks_first:
                    conn.recv(65536)
                conn.sendall(self.garbage)
                conn.close()

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.mark.django_db(transaction=True)
def test_ping_targets_that_hang_or_answer_garbage_never_block_publishing(settings):
    from blog.models import Post
    from trackbacks.models import OutgoingPing

    hanging, garbage = _BadTarget(None), _BadTarget(b"\x00\xffHTTP/9.9 ???\r\n\r\n\xfe" * 50)
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    settings.KIJI_TRACKBACKS_FETCH_ALLOWED_PORTS = [hanging.port, garbage.port]
    settings.KIJI_TRACKBACKS_FETCH_TIMEOUT = 1.0
    targets = [f"http://127.0.0.1:{hanging.port}/tb", f"http://127.0.0.1:{garbage.port}/tb"]
    try:
        post = make_post(
            "Published anyway",
            body=f"See [one]({targets[0]}x) and [two]({targets[1]}x).",
            ping_urls="\n".join(targets),
        )
    finally:
        hanging.close()
        garbage.close()

    assert Post.objects.published().filter(pk=post.pk).exists()
    pings = OutgoingPing.objects.filter(post=post)
    assert pings.count() == 4
    assert not pings.filter(status=OutgoingPing.Status.SENT).exists()
    assert all(p.message for p in pings)  # each says what went wrong
