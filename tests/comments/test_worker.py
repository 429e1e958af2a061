"""The production queue: django-tasks' database backend and its `db_worker`."""

import logging
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from moderation.models import Status
from moderation.services import moderate
from tests.comments.helpers import send

# The worker commits and checks its connection as in production (autocommit), so
# these tests run outside the usual per-test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.KIJI_TASK_RETRY_SECONDS = 60
    settings.KIJI_TASK_MAX_ATTEMPTS = 3


def moderation_emails():
    """The queue's record of moderation emails (other apps may queue their own work)."""
    return DBTaskResult.objects.filter(task_path="moderation.tasks.send_moderation_email")


def run_worker() -> None:
    """What `manage.py db_worker` does in production, until the queue is empty."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def submitted(client, post, django_capture_on_commit_callbacks):
    post.author.email = "author@example.com"
    post.author.save()
    with django_capture_on_commit_callbacks(execute=True):
        send(client, post, text="Queued for the author")
    return post


def test_a_request_only_queues_the_email(submitted):
    assert mail.outbox == []
    assert moderation_emails().get().status == TaskResultStatus.READY


def test_the_worker_sends_a_queued_email_once(submitted):
    run_worker()
    run_worker()

    assert len(mail.outbox) == 1
    assert "Queued for the author" in mail.outbox[0].body
    assert moderation_emails().get().status == TaskResultStatus.SUCCESSFUL


class FlakyMail:
    """A mail server that refuses the first `failures` messages."""

    def __init__(self, failures: int):
        self.failures = failures

    def __call__(self, *args, **kwargs):
        from django.core.mail import send_mail

        if self.failures:
            self.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection dropped")
        return send_mail(*args, **kwargs)


def test_a_failing_email_is_logged_and_sent_on_a_later_try(
    submitted, monkeypatch, caplog, time_machine
):
    monkeypatch.setattr("moderation.mails.send_mail", FlakyMail(failures=1))

    with caplog.at_level(logging.WARNING, logger="kiji.tasks"):
        run_worker()
    assert mail.outbox == []
    assert "attempt 1 of 3" in caplog.text
    assert "connection dropped" in caplog.text
    # The retry waits its delay: a worker running now leaves it queued.
    run_worker()
    assert mail.outbox == []

    time_machine.move_to(timezone.now() + timedelta(seconds=61))
    run_worker()

    assert len(mail.outbox) == 1
    statuses = sorted(moderation_emails().values_list("status", flat=True))
    assert statuses == [TaskResultStatus.SUCCESSFUL, TaskResultStatus.SUCCESSFUL]


def test_an_email_that_never_goes_is_kept_as_failed_not_lost(
    submitted, monkeypatch, caplog, time_machine
):
    monkeypatch.setattr("moderation.mails.send_mail", FlakyMail(failures=99))

    with caplog.at_level(logging.WARNING, logger="kiji.tasks"):
        for minutes in (0, 2, 5):  # the delays double: 60 s, then 120 s
            time_machine.move_to(timezone.now() + timedelta(minutes=minutes))
            run_worker()

    failed = moderation_emails().get(status=TaskResultStatus.FAILED)
    assert failed.args_kwargs["kwargs"] == {"attempt": 3}
    assert "SMTPServerDisconnected" in failed.traceback
    assert "failed for good after 3 attempts" in caplog.text
    assert moderation_emails().count() == 3
    assert mail.outbox == []


def test_the_approval_notice_is_sent_once_even_if_approved_twice(
    client, post, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_COMMENTS_NOTIFY_ON_APPROVAL = True
    from comments.models import Comment

    send(client, post, text="Tell me when", notify="on")
    comment = Comment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        moderate(comment, status=Status.APPROVED)
        moderate(comment, status=Status.PENDING)
        moderate(comment, status=Status.APPROVED)
    run_worker()

    notices = [m for m in mail.outbox if m.to == [comment.author_email]]
    assert len(notices) == 1
