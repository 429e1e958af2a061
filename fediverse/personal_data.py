"""The fediverse's part in the privacy tools (`moderation.privacy`).

A fediverse commenter has no email address. Their comments carry a
placeholder derived from their actor URI (`replies.fediverse_actor_email`,
`<hash>@fediverse.invalid`). The actor URI itself is registered as a name
of a person (`privacy.register_identifier`), so every request takes it:
`manage.py personal_data export https://mastodon.example/users/hanako`
finds their comments by the placeholder, the `RemoteReply` beside each
comment (actor URI, name, profile, avatar URL) through its comment, and their
follower record (actor URI, name, handle, inboxes) and their likes and boosts
by the URI itself.
(`manage.py fediverse_email ACTOR_URI` still prints the placeholder.)

Anonymising a comment replaces its address, so the reply's actor data is
cleared, and the actor's stored avatar (fediverse/avatars.py) deleted, when an
anonymised comment is saved (`clear_anonymised_reply`). Deleting removes the
avatar too: with the actor's last reply, and by actor URI.
Anonymising leaves a follower record as it is: a follow is no text to keep
and needs its inbox to work; the follower unfollows on the fediverse, or
`personal_data delete` removes it.
"""

from django.db.models import Q
from django.db.models.signals import post_save

from comments.models import Comment
from fediverse import avatars, keys
from fediverse.models import Avatar, Follower, Reaction, RemoteReply
from fediverse.replies import fediverse_actor_email
from moderation import privacy
from moderation.privacy import PersonalData

ERASED_DOMAIN = "@erased.invalid"


def actor_addresses(identifier: str) -> list[str] | None:
    """The placeholder address an actor URI's comments carry; None for anything else."""
    identifier = identifier.strip()
    if not keys.origin(identifier):
        return None
    return [fediverse_actor_email(identifier)]


def _by_actor(identifier: str) -> Q | None:
    identifier = identifier.strip()
    return Q(actor_uri=identifier) if keys.origin(identifier) else None


def replies_source() -> PersonalData:
    return PersonalData(
        model=RemoteReply,
        key="fediverse_replies",
        email_field="comment__author_email",
        exported=["object_id", "actor_uri", "actor_name", "actor_url", "avatar_url", "in_reply_to"],
        anonymised={"actor_uri": "", "actor_name": "", "actor_url": "", "avatar_url": ""},
    )


def followers_source() -> PersonalData:
    return PersonalData(
        model=Follower,
        key="fediverse_followers",
        email_field="",
        exported=["actor_uri", "name", "handle", "inbox", "shared_inbox", "status", "created_at"],
        identified_by=_by_actor,
    )


def reactions_source() -> PersonalData:
    """Likes and boosts: anonymised, the count stays and who goes; deleted, the count drops."""
    return PersonalData(
        model=Reaction,
        key="fediverse_reactions",
        email_field="",
        exported=["post", "kind", "actor_uri", "activity_id", "created_at"],
        anonymised={
            "actor_uri": "",
            "activity_id": lambda item: f"https://erased.invalid/reactions/{item.pk}",
        },
        identified_by=_by_actor,
    )


def avatars_source() -> PersonalData:
    """The stored picture: exported as where it came from; deleted with the actor's data."""
    return PersonalData(
        model=Avatar,
        key="fediverse_avatars",
        email_field="",
        exported=["source_url", "digest", "fetched_at"],
        identified_by=_by_actor,
    )


def clear_anonymised_reply(sender, instance: Comment, **kwargs) -> None:
    """An anonymised comment keeps no actor data beside it (see the module doc)."""
    if instance.author_email.endswith(ERASED_DOMAIN):
        replies = RemoteReply.objects.filter(comment_id=instance.pk).exclude(actor_uri="")
        for actor_uri in set(replies.values_list("actor_uri", flat=True)):
            avatars.forget(actor_uri)
        replies.update(actor_uri="", actor_name="", actor_url="", avatar_url="")


def register() -> None:
    privacy.register_identifier("fediverse_actor", actor_addresses)
    privacy.register(replies_source())
    privacy.register(followers_source())
    privacy.register(reactions_source())
    privacy.register(avatars_source())
    post_save.connect(
        clear_anonymised_reply, sender=Comment, dispatch_uid="fediverse-clear-anonymised-reply"
    )
