"""How the discussion apps (comments, trackbacks) plug their counts into posts.

`blog` imports nothing from the apps that depend on it. Instead, each of them
registers, in its `AppConfig.ready()`, a function that builds a subquery
counting its public items for a post (`OuterRef("pk")`). Lists of posts then
annotate every registered count in the same single query.
"""

from collections.abc import Callable

from django.db.models import Expression, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

_count_builders: dict[str, Callable[[], QuerySet]] = {}


def register_count(name: str, public_items: Callable[[], QuerySet]) -> None:
    """Register `name` as a count annotation of public items per post.

    `public_items` returns the QuerySet of items readers may see; it must
    have a `post` foreign key.
    """
    _count_builders[name] = public_items


def count_annotations() -> dict[str, Expression]:
    from django.db.models import Count

    annotations = {}
    for name, public_items in _count_builders.items():
        counted = (
            public_items()
            .filter(post=OuterRef("pk"))
            .order_by()
            .values("post")
            .annotate(n=Count("pk"))
            .values("n")
        )
        annotations[name] = Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    return annotations
