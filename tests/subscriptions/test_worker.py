"""Subscription mail through the production queue (django-tasks' database backend)."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from moderation.models import Status
from moderation.services import moderate
from subscriptions.models import Subscription
from tests.comments.helpers import make_comment, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.KIJI_TASK_RETRY_SECONDS = 60
    settings.KIJI_TASK_MAX_ATTEMPTS = 3


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def notices():
    return DBTaskResult.objects.filter(task_path="subscriptions.tasks.send_notice")


def test_the_confirmation_is_queued_with_no_address_in_the_queue(client, post):
    send(client, post, notify_post="on")

    assert mail.outbox == []
    queued = DBTaskResult.objects.get(task_path="subscriptions.tasks.send_confirmation")
    assert "hanako@example.com" not in str(queued.args_kwargs)

    run_worker()

    [message] = mail.outbox
    assert message.to == ["hanako@example.com"]


def test_a_failing_notice_is_sent_on_a_later_try_with_its_headers(post, monkeypatch, time_machine):
    comment = make_comment(post, author_email="hanako@example.com")
    Subscription.objects.create(
        kind="replies", email="hanako@example.com", post=post, comment=comment,
        confirmed_at=timezone.now(),
    )  # fmt: skip
    reply = make_comment(post, status=Status.PENDING, author_email="taro@example.com")
    reply.attach_to(comment)
    reply.save()
    moderate(reply, status=Status.APPROVED)
    real_send = EmailMessage.send
    failures = iter([True])

    def flaky_send(self, *args, **kwargs):
        if next(failures, False):
            raise smtplib.SMTPServerDisconnected("connection dropped")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", flaky_send)

    run_worker()
    assert mail.outbox == []
    time_machine.move_to(timezone.now() + timedelta(seconds=61))
    run_worker()

    [message] = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sorted(notices().values_list("status", flat=True)) == [
        TaskResultStatus.SUCCESSFUL,
        TaskResultStatus.SUCCESSFUL,
    ]
