from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from comments.models import Comment
from moderation.models import Status
from tests.comments.helpers import make_comment

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_purge_spam_deletes_old_spam_only(post):
    old = timezone.now() - timedelta(days=40)
    make_comment(post, status=Status.SPAM, created_at=old)
    recent_spam = make_comment(post, status=Status.SPAM)
    old_rejected = make_comment(post, status=Status.REJECTED, created_at=old)
    old_approved = make_comment(post, status=Status.APPROVED, created_at=old)

    assert "1 comments would be deleted" in run("purge_spam", "--dry-run")
    assert Comment.objects.count() == 4
    assert "1 comments deleted" in run("purge_spam", "--days", "30")
    assert set(Comment.objects.all()) == {recent_spam, old_rejected, old_approved}
    run("purge_spam", "--rejected")
    assert set(Comment.objects.all()) == {recent_spam, old_approved}


def test_purge_spam_refuses_negative_days():
    with pytest.raises(CommandError):
        run("purge_spam", "--days", "-1")


def test_demo_has_approved_pending_and_spam_comments_and_loads_once():
    run("load_demo")
    counts = {s: Comment.objects.filter(status=s).count() for s in Status.values}
    run("load_demo")

    assert counts[Status.APPROVED] and counts[Status.PENDING] and counts[Status.SPAM]
    assert sum(counts.values()) == Comment.objects.count()
    texts = " ".join(Comment.objects.values_list("text", flat=True))
    assert "承認制" in texts and "letters" in texts
