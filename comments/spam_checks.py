"""Spam checks that need to know comments: they join the pipeline in `moderation.spam`."""

from django.conf import settings
from django.utils.translation import gettext as _

from comments.models import Comment
from moderation.models import Status
from moderation.spam import Kind, SpamCheck, Submission, Verdict


class KnownCommenterCheck(SpamCheck):
    kinds = frozenset({Kind.COMMENT})

    def check(self, submission: Submission) -> Verdict | None:
        if not settings.KIJI_COMMENTS_AUTO_APPROVE_KNOWN or not submission.author_email:
            return None
        known = (
            Comment.objects.approved()
            .filter(author_email__iexact=submission.author_email.strip())
            .exists()
        )
        if known:
            return Verdict(Status.APPROVED, _("Approved automatically: a known commenter"))
        return None
