"""What comments do when other apps' signals arrive; connected in `CommentsConfig.ready()`."""

from comments.models import Comment
from comments.services import comment_status_changed
from moderation.signals import item_status_changed


def comment_moderated(sender, item: Comment, previous: str, **kwargs) -> None:
    comment_status_changed(item, previous)


def connect() -> None:
    item_status_changed.connect(
        comment_moderated, sender=Comment, dispatch_uid="comments.comment_moderated"
    )
