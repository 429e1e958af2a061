"""Comments' part in the privacy tools (`moderation.privacy`): what a commenter may ask for."""

from comments.models import Comment
from moderation.privacy import PersonalData, anonymous_name, erased_address, scrub_reason


def comments_source() -> PersonalData:
    """What the privacy tools export and anonymise of a comment."""
    return PersonalData(
        model=Comment,
        key="comments",
        email_field="author_email",
        exported=[
            "post",
            "author_name",
            "author_email",
            "author_url",
            "text",
            "status",
            "created_at",
            "ip_address",
            "notify_on_approval",
        ],
        anonymised={
            "author_name": anonymous_name,
            "author_email": lambda item: erased_address(item.pk),
            "author_url": "",
            "ip_address": None,
            "notify_on_approval": False,
            # Recomputed from the placeholder address when saved.
            "fingerprint": "",
        },
        after_anonymise=scrub_reason,
    )
