"""What happens when a TrackBack, Pingback or Webmention arrives, and when its source is checked.

Every ping lands in the moderation queue shared with comments
(`comments.moderation`): the spam checks give the first verdict, the ping is
stored once per source URL and post (the database enforces it), and its
source page is fetched off the request path to see whether it really links
to the post. The reason of each decision is stored with the ping.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.encoding import iri_to_uri, uri_to_iri
from django.utils.translation import gettext as _

from blog.models import Post
from comments import flood, notify, spam
from comments.moderation import Status, moderate
from legacy_japanese.decoding import label, read_document
from trackbacks import cleaning, discovery, protocol
from trackbacks.fetcher import FetchError, fetch
from trackbacks.models import Trackback

logger = logging.getLogger(__name__)
SPAM_KINDS = {
    Trackback.Kind.TRACKBACK: spam.Kind.TRACKBACK,
    Trackback.Kind.PINGBACK: spam.Kind.PINGBACK,
    Trackback.Kind.WEBMENTION: spam.Kind.WEBMENTION,
}


def ping_submission(
    *, post: Post, kind: str, url: str, title: str, excerpt: str, blog_name: str, ip: str | None
) -> spam.Submission:
    """A ping as the shared spam checks see it (received live or imported)."""
    return spam.Submission(
        kind=SPAM_KINDS[kind],
        post=post,
        author_name=blog_name,
        author_url=url,
        text=f"{title}\n{excerpt}",
        ip=ip,
    )


def site_hosts(request=None) -> set[str]:
    hosts = {urlsplit(settings.KIJI_SITE_URL).netloc.lower()}
    if request is not None:
        hosts.add(request.get_host().lower())
    return hosts


def post_for_target(url: str, *, hosts: set[str]) -> Post | None:
    """The published post a target URL names on this site, or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in hosts:
        return None
    try:
        match = resolve(unquote(parts.path or "/"))
    except Resolver404:
        return None
    if match.view_name != "blog:post":
        return None
    return Post.objects.published().filter(slug=match.kwargs.get("slug")).first()


def accepted_targets(post: Post, *extra: str) -> set[str]:
    """The URLs that count as a link to `post` on a source page (URI and IRI spellings)."""
    urls = {settings.KIJI_SITE_URL.rstrip("/") + iri_to_uri(post.get_absolute_url())}
    urls.update(u for u in extra if u)
    return urls | {uri_to_iri(u) for u in urls}


def throttle(*, ip: str | None, post: Post):
    """Movable Type's limits: per address, and per post per hour and per day."""
    refusal = flood.flood_check(
        scope="trackback", ip=ip, limit=settings.TRACKBACKS_PER_IP_PER_MINUTE, window=60
    )
    refusal = refusal or flood.flood_check(
        scope=f"trackback-post-hour:{post.pk}",
        ip="any",
        limit=settings.TRACKBACKS_PER_POST_PER_HOUR,
        window=3600,
    )
    return refusal or flood.flood_check(
        scope=f"trackback-post-day:{post.pk}",
        ip="any",
        limit=settings.TRACKBACKS_PER_POST_PER_DAY,
        window=86400,
    )


@transaction.atomic
def _insert(item: Trackback) -> Trackback:
    item.save()
    return item


def linkback_receive(
    *,
    post: Post,
    kind: str,
    url: str,
    ip: str | None,
    title: str = "",
    excerpt: str = "",
    blog_name: str = "",
    target_url: str = "",
    charset: str = "",
    hold_reason: str = "",
    decoding_problem: str = "",
    undecoded: bytes = b"",
) -> tuple[Trackback, bool]:
    """Store a ping with the spam checks' verdict and queue its source check.

    Returns `(ping, created)`; a second ping from the same source URL to the
    same post returns the stored one with `created=False` (the database's
    unique constraint decides, also between simultaneous requests).
    `hold_reason` keeps the ping pending even if a check would approve it.
    A ping whose text could not be decoded keeps its `undecoded` bytes and the
    `decoding_problem` with it, so it can be read again (`redecode_pings`).
    """
    existing = Trackback.objects.filter(post=post, url=url).first()
    if existing is not None:
        return existing, False
    verdict = spam.check_submission(
        ping_submission(
            post=post,
            kind=kind,
            url=url,
            title=title,
            excerpt=excerpt,
            blog_name=blog_name,
            ip=ip,
        )
    )
    status, reason = verdict.status, verdict.reason
    if hold_reason and status == Status.APPROVED:
        status, reason = Status.PENDING, hold_reason
    elif hold_reason and status == Status.PENDING:
        reason = hold_reason
    item = Trackback(
        post=post,
        kind=kind,
        url=url,
        target_url=target_url,
        title=title or cleaning.truncate(url, 255),
        excerpt=excerpt,
        blog_name=blog_name,
        charset=charset,
        decoding_problem=decoding_problem[:500],
        undecoded=undecoded or None,
        ip_address=ip,
        status=status,
        status_reason=reason[:255],
    )
    try:
        _insert(item)
    except IntegrityError:
        return Trackback.objects.get(post=post, url=url), False
    _after_receipt(item)
    return item, True


def _after_receipt(item: Trackback) -> None:
    if item.status == Status.SPAM:
        return
    if settings.TRACKBACKS_VERIFY_SOURCE:
        from trackbacks.tasks import verify_linkback

        pk = item.pk
        transaction.on_commit(lambda: verify_linkback.enqueue(pk))
    else:
        notify.notify_author(item)


def webmention_receive(*, post: Post, source: str, target: str, ip: str | None):
    """A Webmention: new, or a re-delivery that makes Kiji check the source again."""
    existing = Trackback.objects.filter(post=post, url=source).first()
    if existing is None:
        return linkback_receive(
            post=post, kind=Trackback.Kind.WEBMENTION, url=source, target_url=target, ip=ip
        )
    Trackback.objects.filter(pk=existing.pk).update(target_url=target, updated_at=timezone.now())
    if settings.TRACKBACKS_VERIFY_SOURCE:
        from trackbacks.tasks import verify_linkback

        transaction.on_commit(lambda: verify_linkback.enqueue(existing.pk))
    return existing, False


def _unverified(item: Trackback, reason: str) -> None:
    """A source that does not link here: spam or held, as `TRACKBACKS_UNVERIFIED` says."""
    if settings.TRACKBACKS_UNVERIFIED == "spam":
        moderate(item, status=Status.SPAM, reason=reason)
    elif item.status == Status.APPROVED:
        moderate(item, status=Status.PENDING, reason=reason)
    else:
        item.status_reason = reason[:255]
        item.save(update_fields=["status_reason"])


def linkback_verify(*, item: Trackback) -> str:
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
        notify.notify_author(item)
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


def linkback_redecode(*, item: Trackback, save: bool = True) -> bool:
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
        ping_submission(
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
