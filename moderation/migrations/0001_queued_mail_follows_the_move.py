"""Moderation emails queued before moderation was an app of its own still get sent.

A queued task names its function by dotted path. `send_moderation_email`
moved from `comments.tasks` to `moderation.tasks`; rows still naming the old
path (waiting, or failed and kept for a retry) are pointed at the new one.
No table moves: comments and pings keep theirs, and their moderation fields.
"""

from django.db import migrations

OLD = "comments.tasks.send_moderation_email"
NEW = "moderation.tasks.send_moderation_email"


def forwards(apps, schema_editor):
    tasks = apps.get_model("django_tasks_database", "DBTaskResult")
    tasks.objects.filter(task_path=OLD).update(task_path=NEW)


def backwards(apps, schema_editor):
    tasks = apps.get_model("django_tasks_database", "DBTaskResult")
    tasks.objects.filter(task_path=NEW).update(task_path=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
        ("comments", "0001_initial"),
        ("trackbacks", "0002_ping_undecoded_bytes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
