"""Likes and boosts (Announce) of our posts from the fediverse, counted per post.

Readers see the numbers on the post page (`{% fediverse_reactions post %}`),
never who liked or boosted. The counts come with the post itself: the app
registers them with `blog.discussion.register_count` (`fediverse_like_count`,
`fediverse_boost_count`), so the page needs no query of its own for them. Every
change raises the post's discussion revision in its transaction, as a comment
does, so the cached page is made fresh at once (a deleted reaction through
`post_delete`, whatever deleted it).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.db.models.signals import post_delete

from blog.models import Post
from fediverse.models import Reaction

KINDS = {"Like": Reaction.Kind.LIKE, "Announce": Reaction.Kind.ANNOUNCE}
LIKE_COUNT = "fediverse_like_count"
BOOST_COUNT = "fediverse_boost_count"


def likes() -> QuerySet:
    return Reaction.objects.filter(kind=Reaction.Kind.LIKE)


def boosts() -> QuerySet:
    return Reaction.objects.filter(kind=Reaction.Kind.ANNOUNCE)


def add(*, post, kind: str, actor_uri: str, activity_id: str) -> bool:
    """Record a Like or Announce once per activity; return True if it is new."""
    try:
        with transaction.atomic():
            Reaction.objects.create(
                post=post, kind=kind, actor_uri=actor_uri, activity_id=activity_id
            )
            Post.objects.raise_discussion_revision(post.pk)
    except IntegrityError:
        return False
    return True


def remove(*, activity_id: str, actor_uri: str) -> bool:
    """Take back the actor's own Like or Announce (Undo)."""
    deleted, _ = Reaction.objects.filter(activity_id=activity_id, actor_uri=actor_uri).delete()
    return bool(deleted)


def remove_actor(actor_uri: str) -> int:
    """Take back every Like and Announce of an actor (a deleted account); return how many."""
    deleted, _ = Reaction.objects.filter(actor_uri=actor_uri).delete()
    return deleted


def reaction_deleted(sender, instance: Reaction, **kwargs) -> None:
    """However a reaction goes (Undo, a deleted account, `personal_data`), its count changes."""
    Post.objects.raise_discussion_revision(instance.post_id)


def connect() -> None:
    post_delete.connect(
        reaction_deleted, sender=Reaction, dispatch_uid="fediverse-reaction-deleted"
    )


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


def counts_of(post) -> tuple[int, int]:
    """(likes, boosts) of `post`: from its annotations when it has them, else one query."""
    likes_n, boosts_n = getattr(post, LIKE_COUNT, None), getattr(post, BOOST_COUNT, None)
    if likes_n is None or boosts_n is None:
        counted = counts_for([post])[post.pk]
        likes_n, boosts_n = counted[Reaction.Kind.LIKE], counted[Reaction.Kind.ANNOUNCE]
    return likes_n, boosts_n
