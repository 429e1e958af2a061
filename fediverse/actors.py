"""Fediverse accounts that were deleted: Kiji forgets what it kept of them.

When an account is deleted, Mastodon sends `Delete` whose object is the
actor's own id, signed with that actor's key, to every server that knows it.
`forget(actor_uri)` then removes, in one transaction, the actor's follower
record, their likes and boosts, the comments their replies became (each as
a Delete of one reply removes it: replies to it keep their place), and their
stored avatar.

By the time it arrives the actor's document (and so its key) may already be
gone, and the signature cannot be checked. The request alone is then never
believed; what is believed is the actor's own origin. `gone_actor_deleted`
takes such a Delete only when:

* it is a Delete of the actor by itself, with an id on the actor's origin
  (and the actor is not blocked: the inbox refuses those before this);
* and the actor's URI, fetched from its own origin through the one
  SSRF-safe fetcher (no redirects), answers `410 Gone`. That is Mastodon's
  answer for a deleted account (as its own inbox accepts a Delete whose key
  fetch gets 410). Any other answer (200, 404, an error) and the request is
  refused as unsigned (401).

A Delete whose signature checks is taken at once (`fediverse.inbox`). One
of an account Kiji keeps nothing of is answered 202 before its signature is
checked (`nothing_to_forget`): there is nothing to do, so no key is fetched,
and the sender stops retrying. Mastodon sends these to every server it knows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from fediverse import avatars, keys, reactions, replies
from fediverse.models import Follower, Reaction, RemoteReply
from trackbacks.fetcher import FetchError, fetch


@dataclass(frozen=True)
class Forgotten:
    followers: int
    reactions: int
    replies: int


def _id(value) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def is_self_delete(activity: dict) -> bool:
    """Return True if `activity` is a Delete of its own actor (an account deleted)."""
    actor = _id(activity.get("actor"))
    return (
        activity.get("type") == "Delete"
        and bool(keys.origin(actor))
        and _id(activity.get("object")) == actor
    )


def known(actor_uri: str) -> bool:
    """Return True if Kiji keeps anything of the actor (follower, reaction or reply)."""
    return bool(actor_uri) and any(
        model.objects.filter(actor_uri=actor_uri).exists()
        for model in (Follower, Reaction, RemoteReply)
    )


def nothing_to_forget(activity: dict) -> bool:
    """Return True for a Delete of an account Kiji keeps nothing of (see the module doc)."""
    return is_self_delete(activity) and not known(_id(activity.get("actor")))


@transaction.atomic
def forget(actor_uri: str) -> Forgotten:
    """Remove the actor's follower record, likes and boosts, and replies (see the module doc)."""
    followers, _ = Follower.objects.filter(actor_uri=actor_uri).delete()
    forgotten = Forgotten(
        followers=followers,
        reactions=reactions.remove_actor(actor_uri),
        replies=replies.delete_actor_notes(actor_uri),
    )
    avatars.forget(actor_uri)
    return forgotten


def is_gone(actor_uri: str) -> bool:
    """Return True if the actor's own origin answers 410 Gone for it."""
    try:
        response = fetch(actor_uri, headers={"Accept": keys.ACCEPT}, max_redirects=0)
    except FetchError:
        return False
    return response.status == 410


def gone_actor_deleted(activity: dict) -> bool:
    """Take a self-Delete whose signature could not be checked, if it is sound (module doc).

    Return True when the inbox should answer 202.
    """
    if not is_self_delete(activity):
        return False
    actor_uri = _id(activity.get("actor"))
    if keys.origin(_id(activity)) != keys.origin(actor_uri):
        return False
    if not is_gone(actor_uri):
        return False
    forget(actor_uri)
    return True
