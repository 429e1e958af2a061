"""Likes and boosts (Announce) of our posts from the fediverse, counted per post."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count

from fediverse.models import Reaction

KINDS = {"Like": Reaction.Kind.LIKE, "Announce": Reaction.Kind.ANNOUNCE}


def add(*, post, kind: str, actor_uri: str, activity_id: str) -> bool:
    """Record a Like or Announce once per activity; return True if it is new."""
    try:
        with transaction.atomic():
            Reaction.objects.create(
                post=post, kind=kind, actor_uri=actor_uri, activity_id=activity_id
            )
    except IntegrityError:
        return False
    return True


def remove(*, activity_id: str, actor_uri: str) -> bool:
    """Take back the actor's own Like or Announce (Undo)."""
    deleted, _ = Reaction.objects.filter(activity_id=activity_id, actor_uri=actor_uri).delete()
    return bool(deleted)


def counts_for(posts: Iterable) -> dict[int, dict[str, int]]:
    """`{post_pk: {"like": n, "announce": m}}` for `posts`, in one query (zeros included)."""
    pks = [getattr(post, "pk", post) for post in posts]
    counts = {pk: {Reaction.Kind.LIKE: 0, Reaction.Kind.ANNOUNCE: 0} for pk in pks}
    rows = (
        Reaction.objects.filter(post_id__in=pks)
        .order_by()
        .values_list("post_id", "kind")
        .annotate(n=Count("id"))
    )
    for post_id, kind, n in rows:
        counts[post_id][kind] = n
    return counts
