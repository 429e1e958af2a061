"""How the discussion apps (comments, trackbacks) plug their counts into posts.

`blog` imports nothing from the apps that depend on it. Instead, each of them
registers, in its `AppConfig.ready()`, a function that builds a subquery
counting its approved items for a post (`OuterRef("pk")`). Lists of posts then
annotate every registered count in the same single query. Only posts readers
may see are annotated (a staff preview shows what readers will see once the
post is published), so approved items are exactly the public ones; checking
the post again in each subquery would only make the query slower to build.

Each app also registers when its approved items on a post last changed
(`register_version`); with the count, that tells a post page whether the
markup it keeps of the discussion (blog/fragments.py) is still right, in the
same query as the post.

The app that pages the discussion on a post page (comments) also registers
which page a `?page=` value shows, so the post page can send every other
spelling of it to one canonical address (`canonical_page_query`).
"""

from collections.abc import Callable
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    Expression,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import QueryDict

_count_builders: dict[str, Callable[[], QuerySet]] = {}
_version_builders: dict[str, Callable[[], QuerySet]] = {}
_page_shown: Callable[[Any, str | None], int] | None = None


def register_count(name: str, approved_items: Callable[[], QuerySet]) -> None:
    """Register `name` as a count annotation of approved items per post.

    `approved_items` returns the QuerySet of items readers may see on a post
    they may see; it must have a `post` foreign key.
    """
    _count_builders[name] = approved_items


def count_annotations() -> dict[str, Expression]:
    return {
        name: Coalesce(_per_post(items, Count("pk"), IntegerField()), Value(0))
        for name, items in _count_builders.items()
    }


def _per_post(approved_items: Callable[[], QuerySet], aggregate, output_field) -> Subquery:
    """`aggregate` over the approved items of the annotated post (`OuterRef("pk")`)."""
    per_post = (
        approved_items()
        .filter(post=OuterRef("pk"))
        .order_by()
        .values("post")
        .annotate(value=aggregate)
        .values("value")
    )
    return Subquery(per_post, output_field=output_field)


def register_version(name: str, approved_items: Callable[[], QuerySet]) -> None:
    """Register `name` as the newest `updated_at` of the approved items on a post.

    Every save of an item must set its `updated_at` (a `ModeratedItem` does).
    Then the pair (count, newest `updated_at`) changes whenever the items
    readers see change: an approval or an edit sets a newer time, and between
    them items can only leave, which lowers the count. The times come from
    the app servers' clocks when the change is saved: two changes to one
    post's items, committed in the opposite order of their times (overlapping
    transactions, or clocks apart by more than the time between them), can
    leave the first unseen on that post until its next change or until the
    kept section expires (`KIJI_ITEM_CACHE_SECONDS`).
    """
    _version_builders[name] = approved_items


def version_annotations() -> dict[str, Expression]:
    return {
        name: _per_post(items, Max("updated_at"), DateTimeField())
        for name, items in _version_builders.items()
    }


def register_pages(page_shown: Callable[[Any, str | None], int]) -> None:
    """Register how a post page picks the page of its discussion to show.

    `page_shown(post, asked)` gets a post annotated with `count_annotations()`
    and the raw `?page=` value (None when absent), and returns, without a
    query, the number of the page the post page shows for it (the first is 1).
    """
    global _page_shown
    _page_shown = page_shown


def canonical_page_query(post, query: QueryDict) -> str | None:
    """The query string of the canonical address of what `query` shows, if `query` is not it.

    Each page of a post's discussion has one address: the permalink for the
    first, `?page=N` for the others. Any other spelling of `page` (junk, a
    page past the end, `01`, `page=1`) gets the address of the page it shows,
    so it is never rendered, nor cached, as one more copy. Returns None when
    `query` is already canonical, and for queries with parameters besides
    `page`: those are never cached and render as they always have. A post
    readers cannot see yet shows no discussion: its only page is the first.
    """
    if list(query) != ["page"]:
        return None
    asked = query.getlist("page")
    number = 1
    if _page_shown is not None and post.is_published():
        # The last value, as `QueryDict.get()` (and so the rendered page) reads it.
        number = _page_shown(post, asked[-1])
    if number > 1:
        return None if asked == [str(number)] else f"?page={number}"
    return ""
