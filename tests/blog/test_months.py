from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from blog.models import Post
from blog.months import month_counts
from tests.factories import make_post

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


def truncated_month_counts() -> list[dict]:
    """The months as `TruncMonth` groups them, in the database."""
    return list(
        Post.objects.published()
        .annotate(month=TruncMonth("published_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("month")
        .annotate(count=Count("id"))
        .order_by("-month")
    )


def test_no_published_posts_have_no_months():
    make_post(status=Post.Status.DRAFT)

    assert month_counts() == []


def test_one_month():
    make_post(published_at=datetime(2024, 5, 10, 12, tzinfo=TOKYO))
    make_post(published_at=datetime(2024, 5, 20, 12, tzinfo=TOKYO))

    assert month_counts() == [{"month": datetime(2024, 5, 1, tzinfo=TOKYO), "count": 2}]


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York", "UTC", "Pacific/Chatham"])
def test_months_are_those_truncmonth_makes_in_the_current_time_zone(zone):
    moments = [
        # Each side of a month's first midnight, in Tokyo and in New York.
        datetime(2023, 1, 1, tzinfo=TOKYO),
        datetime(2023, 1, 1, tzinfo=TOKYO) - timedelta(microseconds=1),
        datetime(2023, 3, 1, tzinfo=NEW_YORK),
        datetime(2023, 3, 1, tzinfo=NEW_YORK) - timedelta(seconds=1),
        # Across daylight saving time, and with months without posts between.
        datetime(2023, 11, 5, 1, 30, tzinfo=NEW_YORK),
        datetime(2024, 2, 29, 23, 59, tzinfo=TOKYO),
        datetime(2025, 12, 31, 15, tzinfo=ZoneInfo("UTC")),
    ]
    for moment in moments:
        make_post(published_at=moment)
    make_post(published_at=timezone.now() + timedelta(days=3))  # scheduled: not counted

    with timezone.override(zone):
        counts = month_counts()

        assert counts == truncated_month_counts()
    assert sum(row["count"] for row in counts) == len(moments)
