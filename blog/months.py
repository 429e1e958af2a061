"""The months with published posts, for the sidebar and the archive pages."""

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Count, Expression, F, IntegerField, Max, Min
from django.utils import timezone

from blog.models import Post


def month_counts() -> list[dict]:
    """Every month with published posts, newest first, with its count (two indexed queries).

    Months are those of the current time zone, as `TruncMonth` makes them.
    Grouping by `TruncMonth` makes SQLite call Python for every post; here the
    first and last publish dates give the months, and the database finds each
    post's month by comparing dates only.
    """
    published = Post.objects.published()
    span = published.aggregate(first=Min("published_at"), last=Max("published_at"))
    if span["first"] is None:
        return []
    starts = _month_starts(span["first"], span["last"])
    rows = (
        # Only the posts the first query saw: one published since could fall past the last month.
        published.filter(published_at__range=(span["first"], span["last"]))
        .annotate(month=MonthIndex(F("published_at"), starts))
        .order_by()
        .values("month")
        .annotate(count=Count("id"))
    )
    counts = {row["month"]: row["count"] for row in rows}
    return [{"month": starts[index], "count": counts[index]} for index in sorted(counts)[::-1]]


def _month_starts(first: datetime, last: datetime) -> list[datetime]:
    """The start of every month from `first`'s to `last`'s, in the current time zone."""
    zone = timezone.get_current_timezone()
    first, last = timezone.localtime(first, zone), timezone.localtime(last, zone)
    year, month = first.year, first.month
    starts = []
    while (year, month) <= (last.year, last.month):
        starts.append(datetime(year, month, 1, tzinfo=zone))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


class MonthIndex(Expression):
    """The index in `starts` (ascending) of the last start not after the date `expression`.

    The SQL halves the months at each `CASE WHEN`: a few comparisons a row
    whatever the number of months, built as one node (a tree of Django `Case`
    expressions costs more to build than the query takes to run).
    """

    output_field = IntegerField()

    def __init__(self, expression, starts: Sequence[datetime]) -> None:
        super().__init__()
        self.expression = expression
        self.starts = list(starts)

    def get_source_expressions(self) -> list:
        return [self.expression]

    def set_source_expressions(self, expressions) -> None:
        (self.expression,) = expressions

    def as_sql(self, compiler, connection, prefix: str = "") -> tuple[str, list]:
        date_sql, date_params = compiler.compile(self.expression)
        date_sql = prefix + date_sql
        field = self.expression.output_field
        bounds = [field.get_db_prep_value(start, connection) for start in self.starts]

        def index(low: int, high: int) -> tuple[str, list]:
            if high - low == 1:
                return str(low), []
            middle = (low + high) // 2
            before, before_params = index(low, middle)
            after, after_params = index(middle, high)
            return (
                f"CASE WHEN {date_sql} < %s THEN {before} ELSE {after} END",
                [*date_params, bounds[middle], *before_params, *after_params],
            )

        return index(0, len(self.starts))

    def as_sqlite(self, compiler, connection) -> tuple[str, list]:
        # A date column has numeric affinity in SQLite, which then tries to read
        # the bound as a number at each comparison; `+column` has no affinity and
        # compares the stored text with the bound's text, as the column would.
        return self.as_sql(compiler, connection, prefix="+")
