"""Trigram indexes for `PostQuerySet.search()` on PostgreSQL; nothing on SQLite.

On PostgreSQL `icontains` compiles to `UPPER("col"::text) LIKE UPPER('%word%')`,
so the GIN indexes are on that exact expression: the planner uses an index only
when the query's expression is the same. pg_trgm extracts trigrams from Japanese
as well as English (it needs a UTF-8 database with a UTF-8 LC_CTYPE, such as
C.UTF-8), but a word needs three characters to have a trigram: one- and
two-character words are still answered by reading every post.

The indexes stay out of the model state (no `Meta.indexes`): a GIN index cannot
be created on SQLite, which keeps its plain scan. Django's `TrigramExtension` is
not used because its reverse queries pg_extension on SQLite too. Unapplying
leaves pg_trgm installed: it may have been there before, and it is harmless.
"""

from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0003_excerpt_help_text"),
    ]

    operations = [
        RunSQLOnPostgreSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                'CREATE INDEX "post_title_trgm_idx" ON "blog_post" '
                'USING gin (UPPER("title"::text) gin_trgm_ops)',
                'CREATE INDEX "post_body_text_trgm_idx" ON "blog_post" '
                'USING gin (UPPER("body_text"::text) gin_trgm_ops)',
            ],
            reverse_sql=[
                'DROP INDEX IF EXISTS "post_body_text_trgm_idx"',
                'DROP INDEX IF EXISTS "post_title_trgm_idx"',
            ],
        ),
    ]
