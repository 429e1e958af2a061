"""How the discussion apps (comments, trackbacks) plug into posts.

`blog` imports nothing from the apps that depend on it. Instead, each of them
registers, in its `AppConfig.ready()`, a function that builds a subquery
counting its approved items for a post (`OuterRef("pk")`). Lists of posts then
annotate every registered count in the same single query. Only posts readers
may see are annotated (a staff preview shows what readers will see once the
post is published), so approved items are exactly the public ones; checking
the post again in each subquery would only make the query slower to build.

A count may come with a template that shows it in lists of posts (the
"3 comments" link under a summary, `{% discussion_counts post %}`), so
blog's templates name no discussion app.

Each app also raises the post's `discussion_revision` (for pings, with
`pings=True`, its `pings_revision`) in the transaction of every change to
the items readers see on a post (`Post.objects.raise_discussion_revision`);
the post page keeps each rendered section under its revision
(pagecache/fragments.py).

The app that pages the discussion on a post page (comments) also registers
which page a `?page=` value shows, so the post page can send every other
spelling of it to one canonical address (`canonical_page_query`).
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Expression, F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.http import QueryDict

_count_builders: dict[str, tuple[Callable[[], QuerySet], str]] = {}
_count_templates: dict[str, str] = {}
# The annotations built for the registrations as they were then.
_built_counts: tuple[tuple, dict[str, Expression]] = ((), {})
_page_shown: Callable[[Any, str | None], int] | None = None


def register_count(
    name: str,
    approved_items: Callable[[], QuerySet],
    *,
    summary_template: str = "",
    distinct: str = "",
) -> None:
    """Register `name` as a count annotation of approved items per post.

    `approved_items` returns the QuerySet of items readers may see on a post
    they may see; it must have a `post` foreign key, and must not depend on
    the moment or the request (the subquery is built once per process). With `distinct`, the
    count is of the field's distinct values (threads, say) instead of items.
    `summary_template`, if given, shows the count under a post in lists
    (context: `post`, `count`).
    """
    _count_builders[name] = (approved_items, distinct)
    if summary_template:
        _count_templates[name] = summary_template


def count_templates() -> dict[str, str]:
    """The registered counts that show in lists of posts, by name, in registration order."""
    return dict(_count_templates)


def count_annotations() -> dict[str, Expression]:
    """Every registered count, as annotations for a query of posts.

    Built once per process: building the subqueries cost a millisecond on
    every page that shows a post. Reusing them is safe, as annotating resolves
    a copy of each expression and of its query.
    """
    global _built_counts
    registered = tuple(_count_builders.items())
    if _built_counts[0] != registered:
        _built_counts = (registered, _counts())
    return dict(_built_counts[1])


def _counts() -> dict[str, Expression]:
    annotations = {}
    for name, (approved_items, distinct) in _count_builders.items():
        # SQL's COUNT as a plain function, not Django's aggregate: the subquery
        # needs no GROUP BY, counts 0 for a post without items (never NULL),
        # and is cheaper to build for every page that lists posts.
        template = "COUNT(DISTINCT %(expressions)s)" if distinct else "COUNT(%(expressions)s)"
        counted = (
            approved_items()
            .filter(post=OuterRef("pk"))
            .order_by()
            .values(n=Func(F(distinct or "pk"), template=template, output_field=IntegerField()))
        )
        annotations[name] = Subquery(counted, output_field=IntegerField())
    return annotations


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
