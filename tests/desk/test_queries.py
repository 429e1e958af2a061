"""The dashboard costs the same few queries with six comments or over 100,000."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from moderation.models import Status
from tests.comments.helpers import make_comment

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def bulk_comments(post, n: int, parent=None, batch: str = "") -> None:
    now = timezone.now()
    Comment.objects.bulk_create(
        Comment(
            post=post,
            author_name=f"Reader {i}",
            author_email=f"r{i}@example.com",
            text=f"Comment {i}",
            text_html=f"<p>Comment {i}</p>",
            fingerprint=f"{batch}-{i}",
            status=Status.PENDING if i % 2 else Status.APPROVED,
            created_at=now,
            parent=parent,
            depth=1 if parent else 0,
        )
        for i in range(n)
    )


def double_comments(times: int) -> None:
    """Copy every comment `times` times over in SQL: bulk_create of 100,000 takes 15 s."""
    qn = connection.ops.quote_name
    columns = [f.column for f in Comment._meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        for n in range(times):
            values = [f"'copy{n}-' || {qn('id')}" if c == "fingerprint" else qn(c) for c in columns]
            cursor.execute(
                f"INSERT INTO {qn(Comment._meta.db_table)} ({', '.join(map(qn, columns))}) "
                f"SELECT {', '.join(values)} FROM {qn(Comment._meta.db_table)}"
            )


def dashboard_queries(desk) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = desk.get(INDEX)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_query_count_is_the_same_with_100000_comments(desk, post, author):
    mine = make_comment(post, written_by_author=True, user=author)
    bulk_comments(post, 5, parent=mine)
    few = dashboard_queries(desk)

    bulk_comments(post, 3000, batch="many")
    bulk_comments(post, 200, parent=mine, batch="replies")
    double_comments(5)
    assert Comment.objects.count() > 100_000
    many = dashboard_queries(desk)

    assert len(many) == len(few)
    counts = [sql for sql in many if "COUNT(" in sql.upper()]
    assert counts, "the pending counts are there"
    assert all("LIMIT" in sql.upper() for sql in counts), counts
    assert "<td>1000+</td>" in desk.get(INDEX).content.decode()
