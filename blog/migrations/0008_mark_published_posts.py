"""Mark the posts published so far as published before, from their publish date.

Drafts stay unmarked: whether one was published once and withdrawn is not
recorded, so publishing it dates it then, as for a new draft.
"""

from django.db import migrations
from django.db.models import F


def mark_published(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    Post.objects.filter(status="published", first_published_at__isnull=True).update(
        first_published_at=F("published_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0007_post_first_published_at"),
    ]

    operations = [
        migrations.RunPython(mark_published, migrations.RunPython.noop),
    ]
