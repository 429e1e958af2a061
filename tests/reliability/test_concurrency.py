"""200 comments, then 200 TrackBack pings, sent at once to real gunicorn workers: each
accepted one is stored exactly once, duplicates collapse to one, no 500s, no
"database is locked".

It runs against the run's database: PostgreSQL when DATABASE_URL says so,
otherwise an SQLite file with the settings from the README.
"""

import threading
import urllib.parse

import pytest

from tests.reliability.conftest import make_served_post
from tests.reliability.servers import Server

pytestmark = [pytest.mark.servers, pytest.mark.django_db(transaction=True)]

SENT = 200
DISTINCT = 170  # the other 30 repeat an earlier submission (a double click, a retry)


@pytest.fixture
def server(served_db, tmp_path):
    server = Server(
        served_db.url,
        tmp_path / "gunicorn.log",
        workers=4,
        TRACKBACKS_VERIFY_SOURCE="false",
        TRACKBACKS_PER_IP_PER_MINUTE="0",
        TRACKBACKS_PER_POST_PER_HOUR="0",
        TRACKBACKS_PER_POST_PER_DAY="0",
    )
    yield server
    server.stop()


def all_at_once(send) -> None:
    threads = [threading.Thread(target=send, args=(n,)) for n in range(SENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def test_two_hundred_comments_at_once_are_each_stored_exactly_once(served_db, server):
    post_id, path = make_served_post(served_db)
    cookie, token = server.csrf(path)
    start = threading.Barrier(SENT)
    answers: dict[int, object] = {}

    def send(n: int) -> None:
        k = n % DISTINCT
        data = {
            "name": f"Reader {k}",
            "email": f"reader{k}@example.com",
            "text": f"Comment number {k}: 同時に送信。",
            "csrfmiddlewaretoken": token,
        }
        start.wait(timeout=60)
        answers[n] = server.post_form(f"/comments/post/{post_id}/", data, cookie)

    all_at_once(send)

    statuses = sorted({a.status for a in answers.values()})
    log = server.log()
    assert len(answers) == SENT
    assert statuses == [302], log[-3000:]
    assert "database is locked" not in log
    assert "Traceback" not in log
    ids = {n: int(a.headers["location"].rsplit("#comment-", 1)[1]) for n, a in answers.items()}
    rows = served_db.query(
        "SELECT id, author_email, text FROM comments_comment WHERE post_id = ?", (post_id,)
    )
    assert len(rows) == DISTINCT
    stored = {email: pk for pk, email, _ in rows}
    for n, pk in ids.items():
        assert stored[f"reader{n % DISTINCT}@example.com"] == pk  # repeats got the first one
    assert len(set(ids.values())) == DISTINCT


def test_two_hundred_pings_at_once_are_each_stored_exactly_once(served_db, server):
    post_id, _ = make_served_post(served_db)
    start = threading.Barrier(SENT)
    answers: dict[int, object] = {}

    def send(n: int) -> None:
        k = n % DISTINCT
        body = urllib.parse.urlencode(
            {
                "url": f"https://blog{k}.example.com/entry",
                "title": f"Entry {k}",
                "excerpt": "同時に",
                "blog_name": f"Blog {k}",
            }
        )
        start.wait(timeout=60)
        answers[n] = server.request(
            "POST",
            f"/trackback/{post_id}/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )

    all_at_once(send)

    log = server.log()
    assert len(answers) == SENT
    assert {a.status for a in answers.values()} == {200}, log[-3000:]
    assert all("<error>0</error>" in a.body for a in answers.values())
    assert "database is locked" not in log and "Traceback" not in log
    rows = served_db.query(
        "SELECT url, COUNT(*) FROM trackbacks_trackback WHERE post_id = ? GROUP BY url",
        (post_id,),
    )
    assert len(rows) == DISTINCT
    assert {count for _, count in rows} == {1}
