"""The spam-check pipeline every reader-submitted item goes through.

`check_submission(submission)` runs the classes listed in the
`KIJI_SPAM_CHECKS` setting (dotted paths), in order, on a `Submission` and
returns one `Verdict(status, reason)`:

* the first check that says spam decides;
* otherwise the first check that holds the item for review decides;
* otherwise the first check that approves decides;
* otherwise the item waits for the author (pending, "awaiting review").

A check is a class with no constructor arguments and a method
`check(submission) -> Verdict | None` (None: no opinion). Checks read their
settings when they run, so `override_settings` works in tests. Akismet or
another service plugs in as one more class in the setting.

Built-in checks (the default list):

* `BlocklistCheck`: a blocked word in any field, a blocked IP or network, or
  a blocked email address or domain -> spam.
* `HoneypotCheck` (comments only): the hidden field was filled -> spam.
* `FormTimingCheck` (comments only): the form came back sooner than
  `KIJI_COMMENTS_MIN_FORM_SECONDS` after it was rendered, or without a valid
  form token -> spam.
* `LinkCountCheck`: more than `KIJI_SPAM_MAX_LINKS` links -> held as pending.
* `comments.spam_checks.KnownCommenterCheck` (comments only, off unless
  `KIJI_COMMENTS_AUTO_APPROVE_KNOWN`): the email already has an approved
  comment -> approved. Checks that need to know an app's own items live in
  that app.

The checks were once under `comments.spam`; a `SPAM_CHECKS` setting that
still names them there keeps working (`MOVED_CHECKS`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from moderation.models import Status


class Kind:
    COMMENT = "comment"
    TRACKBACK = "trackback"
    PINGBACK = "pingback"
    WEBMENTION = "webmention"


@dataclass(frozen=True)
class Submission:
    """What a reader (or a remote blog) sent, as the spam checks see it.

    `form_age` is the number of seconds between rendering the comment form
    and submitting it (None when the form token was missing or invalid);
    `honeypot` is what the hidden field held. Both matter for comments only.
    """

    kind: str
    post: object
    author_name: str = ""
    author_email: str = ""
    author_url: str = ""
    text: str = ""
    ip: str | None = None
    form_age: float | None = None
    honeypot: str = ""

    def fields(self) -> tuple[str, ...]:
        return (self.author_name, self.author_email, self.author_url, self.text)


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str


class SpamCheck:
    """Base class of a check; `kinds` limits it to some kinds of submission."""

    kinds: frozenset[str] | None = None

    def applies(self, submission: Submission) -> bool:
        return self.kinds is None or submission.kind in self.kinds

    def check(self, submission: Submission) -> Verdict | None:
        raise NotImplementedError


class BlocklistCheck(SpamCheck):
    def check(self, submission: Submission) -> Verdict | None:
        words = [w.casefold() for w in settings.KIJI_SPAM_BLOCKLIST_WORDS if w.strip()]
        haystack = "\n".join(submission.fields()).casefold()
        for word in words:
            if word in haystack:
                return Verdict(Status.SPAM, _("Blocked word: %(word)s") % {"word": word})
        if submission.ip and _ip_blocked(submission.ip):
            return Verdict(Status.SPAM, _("Blocked IP address"))
        email = submission.author_email.strip().casefold()
        if email:
            domain = "@" + email.rpartition("@")[2]
            for blocked in settings.KIJI_SPAM_BLOCKLIST_EMAILS:
                blocked = blocked.strip().casefold()
                if blocked and blocked in (email, domain):
                    return Verdict(Status.SPAM, _("Blocked email address"))
        return None


def _ip_blocked(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.KIJI_SPAM_BLOCKLIST_IPS)))


@cache
def _networks(entries: tuple[str, ...]) -> tuple:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


class HoneypotCheck(SpamCheck):
    kinds = frozenset({Kind.COMMENT})

    def check(self, submission: Submission) -> Verdict | None:
        if submission.honeypot.strip():
            return Verdict(Status.SPAM, _("The hidden field was filled in (honeypot)"))
        return None


class FormTimingCheck(SpamCheck):
    kinds = frozenset({Kind.COMMENT})

    def check(self, submission: Submission) -> Verdict | None:
        if submission.form_age is None:
            return Verdict(Status.SPAM, _("Sent without a valid form token"))
        minimum = settings.KIJI_COMMENTS_MIN_FORM_SECONDS
        if submission.form_age < minimum:
            return Verdict(
                Status.SPAM,
                _("Sent %(age).1f s after the form was shown (minimum %(min)s s)")
                % {"age": submission.form_age, "min": minimum},
            )
        return None


_LINK = re.compile(r"https?://|www\.|<a\s", re.IGNORECASE)


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


class LinkCountCheck(SpamCheck):
    def check(self, submission: Submission) -> Verdict | None:
        limit = settings.KIJI_SPAM_MAX_LINKS
        links = count_links(submission.text)
        if links > limit:
            return Verdict(
                Status.PENDING,
                _("Held for review: %(n)d links (more than %(limit)d)")
                % {"n": links, "limit": limit},
            )
        return None


# Where the built-in checks were before moderation became an app of its own.
MOVED_CHECKS = {
    "comments.spam.BlocklistCheck": "moderation.spam.BlocklistCheck",
    "comments.spam.HoneypotCheck": "moderation.spam.HoneypotCheck",
    "comments.spam.FormTimingCheck": "moderation.spam.FormTimingCheck",
    "comments.spam.LinkCountCheck": "moderation.spam.LinkCountCheck",
    "comments.spam.KnownCommenterCheck": "comments.spam_checks.KnownCommenterCheck",
}


def load_checks() -> list[SpamCheck]:
    paths = [MOVED_CHECKS.get(path.strip(), path.strip()) for path in settings.KIJI_SPAM_CHECKS]
    return [import_string(path)() for path in paths]


_PRECEDENCE = (Status.SPAM, Status.PENDING, Status.APPROVED)


def check_submission(submission: Submission) -> Verdict:
    """Run every configured check and return the verdict that decides (see module doc)."""
    verdicts: list[Verdict] = []
    for check in load_checks():
        if not check.applies(submission):
            continue
        verdict = check.check(submission)
        if verdict is None:
            continue
        if verdict.status == Status.SPAM:
            return verdict
        verdicts.append(verdict)
    for status in _PRECEDENCE[1:]:
        for verdict in verdicts:
            if verdict.status == status:
                return verdict
    return Verdict(Status.PENDING, _("Awaiting review"))
