"""Moving moderation into its own app keeps every comment, ping and queued mail."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task

BEFORE = [("moderation", None)]
OLD_TASK = "comments.tasks.send_moderation_email"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_items_and_queued_mail():
    executor = _migrate(BEFORE)
    old = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
    author = old.get_model("auth", "User").objects.create(username="author")
    post = old.get_model("blog", "Post").objects.create(
        title="Old post", slug="old", author=author, body="Text.", published_at=timezone.now()
    )
    moderated_at = timezone.now()
    comment = old.get_model("comments", "Comment").objects.create(
        post=post,
        author_name="Hanako",
        author_email="hanako@example.com",
        text="First.",
        text_html="<p>First.</p>",
        fingerprint="f1",
        status="approved",
        status_reason="Approved by author",
        moderated_at=moderated_at,
        moderated_by=author,
        ip_address="198.51.100.7",
    )
    ping = old.get_model("trackbacks", "Trackback").objects.create(
        post=post,
        url="https://elsewhere.example/entry",
        title="Elsewhere",
        status="spam",
        status_reason="Source check: no link",
    )
    queued = old.get_model("django_tasks_database", "DBTaskResult").objects.create(
        task_path=OLD_TASK,
        args_kwargs={"args": ["comments.comment", comment.pk], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        status="READY",
    )

    _migrate(None)

    from django_tasks_db.models import DBTaskResult

    from comments.models import Comment
    from trackbacks.models import Trackback

    kept = Comment.objects.get(pk=comment.pk)
    assert (kept.status, kept.status_reason, kept.moderated_by_id, kept.ip_address) == (
        "approved",
        "Approved by author",
        author.pk,
        "198.51.100.7",
    )
    assert kept.moderated_at == moderated_at
    assert Trackback.objects.filter(pk=ping.pk, status="spam").exists()
    moved = DBTaskResult.objects.get(pk=queued.pk)
    assert moved.task_path == "moderation.tasks.send_moderation_email"
    assert isinstance(import_string(moved.task_path), Task)


@pytest.mark.django_db(transaction=True)
def test_going_back_before_the_move_restores_the_old_task_path():
    _migrate(None)
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.create(
        task_path="moderation.tasks.send_moderation_email",
        args_kwargs={"args": ["comments.comment", 1], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
    )

    _migrate(BEFORE)

    assert DBTaskResult.objects.get(pk=queued.pk).task_path == OLD_TASK
    _migrate(None)
