"""The fediverse's part in the privacy tools (`moderation.privacy`).

A fediverse commenter has no email address. Their comments carry a
placeholder derived from their actor URI (`replies.fediverse_actor_email`,
`<hash>@fediverse.invalid`), so every request by address works for them
too: `manage.py personal_data export $(manage.py fediverse_email ACTOR_URI)`.
The `RemoteReply` beside each comment (actor URI, name, profile, avatar URL)
is found through its comment. Anonymising a comment replaces its address, so
the reply's actor data is cleared when an anonymised comment is saved
(`clear_anonymised_reply`).
"""

from django.db.models.signals import post_save

from comments.models import Comment
from fediverse.models import RemoteReply
from moderation import privacy
from moderation.privacy import PersonalData

ERASED_DOMAIN = "@erased.invalid"


def replies_source() -> PersonalData:
    return PersonalData(
        model=RemoteReply,
        key="fediverse_replies",
        email_field="comment__author_email",
        exported=["object_id", "actor_uri", "actor_name", "actor_url", "avatar_url", "in_reply_to"],
        anonymised={"actor_uri": "", "actor_name": "", "actor_url": "", "avatar_url": ""},
    )


def clear_anonymised_reply(sender, instance: Comment, **kwargs) -> None:
    """An anonymised comment keeps no actor data beside it (see the module doc)."""
    if instance.author_email.endswith(ERASED_DOMAIN):
        RemoteReply.objects.filter(comment_id=instance.pk).exclude(actor_uri="").update(
            actor_uri="", actor_name="", actor_url="", avatar_url=""
        )


def register() -> None:
    privacy.register(replies_source())
    post_save.connect(
        clear_anonymised_reply, sender=Comment, dispatch_uid="fediverse-clear-anonymised-reply"
    )
