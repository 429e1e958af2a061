"""Store posts' plain text again: Japanese paragraphs now join without a space."""

from django.db import migrations

from blog.markup import plain_text


def rejoin(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    changed = []
    for post in Post.objects.only("body_html", "body_text").iterator(chunk_size=500):
        text = plain_text(post.body_html)
        if text != post.body_text:
            post.body_text = text
            changed.append(post)
    Post.objects.bulk_update(changed, ["body_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("blog", "0004_post_search_trigram_indexes")]

    operations = [migrations.RunPython(rejoin, migrations.RunPython.noop)]
