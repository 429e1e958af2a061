import os
import threading

import pytest
from django.db import connection, connections

from comments import services
from comments.models import Comment
from comments.services import submit_comment
from moderation.models import Status
from tests.factories import make_post

ARGS = {
    "name": "Hanako",
    "email": "hanako@example.com",
    "url": "",
    "text": "同じコメントを二度送ってしまいました。",
    "ip": "192.0.2.1",
    "form_age": 30.0,
}


@pytest.mark.django_db
def test_submit_stores_the_verdict_and_reason(post):
    comment, created = submit_comment(post=post, **ARGS)

    assert created
    assert (comment.status, comment.status_reason) == (Status.PENDING, "Awaiting review")
    assert comment.text_html == "<p>同じコメントを二度送ってしまいました。</p>"


@pytest.mark.django_db
def test_repeat_returns_the_stored_comment(post):
    first, _ = submit_comment(post=post, **ARGS)
    again, created = submit_comment(post=post, **{**ARGS, "email": "HANAKO@example.com "})

    assert (again.pk, created) == (first.pk, False)
    assert Comment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_race_past_the_python_check_is_stopped_by_the_database(monkeypatch):
    """Both requests pass the lookup before either inserts: the constraint decides."""
    post = make_post()
    first, _ = submit_comment(post=post, **ARGS)

    class Blind:
        """The manager as seen by a request that looked before the other one inserted."""

        def __init__(self, real):
            self.real = real

        def filter(self, **kwargs):
            return self.real.none()

        def get(self, **kwargs):
            return self.real.get(**kwargs)

    real = Comment.objects
    monkeypatch.setattr(services.Comment, "objects", Blind(real))

    again, created = submit_comment(post=post, **ARGS)

    assert (again.pk, created) == (first.pk, False)
    assert real.count() == 1


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="threads writing at once need PostgreSQL (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_double_submissions_are_stored_once_on_postgresql():
    assert connection.vendor == "postgresql"
    post = make_post()
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results, errors = [], []

    def submit():
        try:
            barrier.wait(timeout=10)
            results.append(submit_comment(post=post, **ARGS))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Comment.objects.count() == 1
    assert sum(created for _, created in results) == 1
    assert {comment.pk for comment, _ in results} == {Comment.objects.get().pk}
