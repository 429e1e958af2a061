"""Checking a received ping's source: does the page really link to the post?

`verify_linkback(item=...)` fetches the ping's source (run from the task
queue, never on the request path), records the outcome, fills in what a
Pingback or Webmention does not carry (title, excerpt, blog name) from the
page, and moves the ping in moderation as the outcome says
(`KIJI_TRACKBACKS_UNVERIFIED`). A source page whose text could not be decoded is
kept as bytes (`pack_page`) and the ping held; `redecode_linkback(item=...)`
reads such kept bytes again (`manage.py redecode_pings`).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from legacy_japanese.decoding import label, read_document
from moderation import spam
from moderation.models import Status
from moderation.notify import notify_author
from moderation.services import moderate
from trackbacks import cleaning, discovery, protocol, screening
from trackbacks.fetcher import FetchError, fetch
from trackbacks.models import Trackback
from trackbacks.targets import accepted_targets

logger = logging.getLogger(__name__)


def _unverified(item: Trackback, reason: str) -> None:
    """A source that does not link here: spam or held, as `KIJI_TRACKBACKS_UNVERIFIED` says."""
    if settings.KIJI_TRACKBACKS_UNVERIFIED == "spam":
        moderate(item, status=Status.SPAM, reason=reason)
    elif item.status == Status.APPROVED:
        moderate(item, status=Status.PENDING, reason=reason)
    else:
        item.status_reason = reason[:255]
        item.save(update_fields=["status_reason"])


def verify_linkback(*, item: Trackback) -> str:
    """Fetch the ping's source and record whether it links to the post; return the outcome."""
    Verification = Trackback.Verification
    previous = item.verification
    targets = accepted_targets(item.post, item.target_url)
    # Pingback verification follows no redirect (as WordPress does); the others a few.
    redirects = 0 if item.kind == Trackback.Kind.PINGBACK else None
    try:
        response = fetch(
            item.url,
            headers={"Accept": "text/html, application/xhtml+xml, text/plain;q=0.8, */*;q=0.1"},
            max_redirects=redirects,
        )
    except FetchError as exc:
        outcome, detail = Verification.UNREACHABLE, str(exc)
    else:
        if response.status == 410:
            outcome, detail = Verification.GONE, "HTTP 410"
        elif not response.ok:
            outcome, detail = Verification.UNREACHABLE, f"HTTP {response.status}"
        else:
            document = response.document()
            check = discovery.find_link(document.fields["body"], targets)
            outcome, detail = (
                (Verification.LINKS_HERE, "") if check.found else (Verification.NO_LINK, "")
            )
            if check.found and item.kind != Trackback.Kind.TRACKBACK:
                _fill_from_source(item, check)
                if not document.clean:
                    item.decoding_problem = document.problem[:500]
                    item.undecoded = pack_page(response.body, response.charset)
    item.verification, item.verified_at = outcome, timezone.now()
    item.save(
        update_fields=[
            "verification",
            "verified_at",
            "title",
            "excerpt",
            "blog_name",
            "decoding_problem",
            "undecoded",
        ]
    )
    label = Verification(outcome).label
    reason = _("Source check: %(outcome)s") % {"outcome": label}
    if detail:
        reason = f"{reason} ({detail})"
    if outcome == Verification.LINKS_HERE and item.undecoded and item.status == Status.APPROVED:
        moderate(
            item,
            status=Status.PENDING,
            reason=_("Held for review: %(problem)s") % {"problem": item.decoding_problem},
        )
    elif outcome == Verification.LINKS_HERE:
        if previous in (Verification.NO_LINK, Verification.GONE) and item.status == Status.REJECTED:
            moderate(item, status=Status.PENDING, reason=reason)
        elif item.status == Status.PENDING:
            item.status_reason = f"{item.status_reason}; {reason}"[:255]
            item.save(update_fields=["status_reason"])
    elif outcome in (Verification.NO_LINK, Verification.GONE):
        if item.kind == Trackback.Kind.WEBMENTION and previous == Verification.LINKS_HERE:
            moderate(item, status=Status.REJECTED, reason=_("Deleted at the source: %s") % label)
        elif item.status != Status.SPAM:
            _unverified(item, reason)
    elif item.status == Status.APPROVED:
        moderate(item, status=Status.PENDING, reason=reason)
    else:
        item.status_reason = f"{item.status_reason}; {reason}"[:255]
        item.save(update_fields=["status_reason"])
    if previous == Verification.WAITING:
        notify_author(item)
    logger.info("Linkback %s from %s: %s", item.pk, item.url, outcome)
    return outcome


UNDECODED_PAGE = b"page "


def pack_page(body: bytes, charset: str | None) -> bytes:
    """A source page kept because it could not be decoded: its HTTP charset on a line, then it."""
    return UNDECODED_PAGE + (charset or "-").encode("ascii", "replace") + b"\n" + body


def unpack_page(packed: bytes) -> tuple[bytes, str | None] | None:
    if not packed.startswith(UNDECODED_PAGE):
        return None
    head, _newline, body = packed.partition(b"\n")
    charset = head[len(UNDECODED_PAGE) :].decode("ascii")
    return body, None if charset == "-" else charset


def redecode_linkback(*, item: Trackback, save: bool = True) -> bool:
    """Read a held ping's kept bytes again; True when they now decode cleanly.

    The text is then replaced and the bytes dropped. The ping stays where it
    was in moderation (a person approves it), except that the spam checks see
    its readable text and may now call it spam.
    """
    packed = bytes(item.undecoded or b"")
    text = protocol.unpack_trackback_text(packed)
    page = unpack_page(packed) if text is None else None
    if text is not None:
        title, excerpt, blog_name, decoded = protocol.read_trackback_text(text)
        if decoded.clean:
            item.title = title or cleaning.truncate(excerpt, 40) or cleaning.truncate(item.url, 255)
            item.excerpt, item.blog_name = excerpt, blog_name
    elif page is not None:
        decoded = read_document(*page)
        if decoded.clean:
            check = discovery.find_link(
                decoded.fields["body"], accepted_targets(item.post, item.target_url)
            )
            item.title, item.excerpt = cleaning.truncate(item.url, 255), ""
            _fill_from_source(item, check)
    else:
        return False
    if not decoded.clean:
        return False
    item.charset = decoded.charset
    item.decoding_problem, item.undecoded = "", None
    if not save:
        return True
    note = _("Text read again as %(charset)s") % {"charset": label(decoded.charset)}
    item.status_reason = f"{item.status_reason}; {note}"[:255]
    item.save(
        update_fields=[
            "title",
            "excerpt",
            "blog_name",
            "charset",
            "decoding_problem",
            "undecoded",
            "status_reason",
        ]
    )
    verdict = spam.check_submission(
        screening.ping_submission(
            post=item.post,
            kind=item.kind,
            url=item.url,
            title=item.title,
            excerpt=item.excerpt,
            blog_name=item.blog_name,
            ip=item.ip_address,
        )
    )
    if verdict.status == Status.SPAM and item.status != Status.SPAM:
        moderate(item, status=Status.SPAM, reason=verdict.reason)
    return True


def _fill_from_source(item: Trackback, check: discovery.LinkCheck) -> None:
    """Pingbacks and Webmentions carry no text: take the source page's title and context."""
    if check.title and item.title in ("", item.url, cleaning.truncate(item.url, 255)):
        item.title = cleaning.truncate(check.title, 255)
    if check.excerpt and not item.excerpt:
        item.excerpt = cleaning.truncate(check.excerpt, protocol.EXCERPT_LENGTH + 40)
    if not item.blog_name:
        item.blog_name = urlsplit(item.url).hostname or ""
