"""Telling other blogs about a post: TrackBack, Pingback and Webmention, sent in the background.

`post_pings_schedule()` records one `OutgoingPing` per target of a published
post (the TrackBack URLs the author listed, and each page the body links to);
`outgoing_ping_send()` discovers the endpoint of a linked page, sends the
ping through the SSRF-safe fetcher and records the outcome. A failed target
is retried with a growing delay a few times; a target that succeeded is
never pinged again.
"""

from __future__ import annotations

import contextvars
import xmlrpc.client
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode, urlsplit
from xml.parsers.expat import ExpatError

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from trackbacks import cleaning, discovery, protocol
from trackbacks.fetcher import FetchError, UnsafeURLError, fetch
from trackbacks.models import OutgoingPing

_suppressed = contextvars.ContextVar("trackbacks_pings_suppressed", default=False)
LEASE = timedelta(minutes=15)


class PingFailedError(Exception):
    """The receiver refused the ping or could not be reached; the message is recorded."""


@contextmanager
def pings_suppressed():
    """Save posts without sending pings (imports, demo content, fixtures)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def pings_are_suppressed() -> bool:
    return _suppressed.get() or not settings.KIJI_TRACKBACKS_SEND_PINGS


def site_url() -> str:
    return settings.KIJI_SITE_URL.rstrip("/")


def permalink(post) -> str:
    return site_url() + iri_to_uri(post.get_absolute_url())


def listed_urls(post) -> list[str]:
    """The valid http(s) URLs of the post's "URLs to ping" field, in order."""
    urls = []
    for line in post.ping_urls.splitlines():
        try:
            url = protocol.validate_source_url(line)
        except protocol.PingError:
            continue
        if url not in urls:
            urls.append(url)
    return urls


def post_pings_schedule(*, post) -> int:
    """Record the targets of a published post not yet recorded; return how many are new."""
    own_hosts = {urlsplit(site_url()).netloc.lower()}
    targets = [(url, OutgoingPing.Origin.LISTED) for url in listed_urls(post)]
    targets += [
        (url, OutgoingPing.Origin.LINK)
        for url in discovery.outgoing_links(post.body_html, own_hosts=own_hosts)
    ]
    known = set(post.outgoing_pings.values_list("target_url", flat=True))
    new = [
        OutgoingPing(post=post, target_url=url, origin=origin)
        for url, origin in dict(targets).items()
        if url not in known
    ]
    OutgoingPing.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _claim(ping: OutgoingPing) -> bool:
    """Take the ping for this worker, so two workers never send the same one."""
    now = timezone.now()
    claimed = (
        OutgoingPing.objects.due(now)
        .filter(pk=ping.pk, attempts=ping.attempts)
        .update(status=OutgoingPing.Status.SENDING, next_attempt_at=now + LEASE, updated_at=now)
    )
    return bool(claimed)


def send_trackback(*, endpoint: str, post) -> None:
    body = urlencode(
        {
            "title": post.title,
            "url": permalink(post),
            "excerpt": cleaning.truncate(post.summary, protocol.EXCERPT_LENGTH),
            "blog_name": settings.KIJI_SITE_TITLE,
            "charset": "UTF-8",
        }
    ).encode("ascii")
    response = fetch(
        endpoint,
        method="POST",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        max_redirects=0,
    )
    error = protocol.read_trackback_answer(response.status, response.body)
    if error:
        raise PingFailedError(error)


def send_pingback(*, endpoint: str, post, target: str) -> None:
    body = xmlrpc.client.dumps((permalink(post), target), methodname="pingback.ping")
    response = fetch(
        endpoint,
        method="POST",
        data=body.encode("utf-8"),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        max_redirects=0,
    )
    if not response.ok:
        raise PingFailedError(f"HTTP error: {response.status}")
    try:
        xmlrpc.client.loads(response.body)
    except xmlrpc.client.Fault as fault:
        if fault.faultCode == protocol.ALREADY_REGISTERED:
            return
        message = cleaning.clean_text(str(fault.faultString), 500)
        raise PingFailedError(f"Fault {fault.faultCode}: {message}".rstrip(": ")) from None
    except (ExpatError, xmlrpc.client.ResponseError, ValueError):
        raise PingFailedError("The answer is not an XML-RPC response.") from None


def send_webmention(*, endpoint: str, post, target: str) -> None:
    response = fetch(
        endpoint,
        method="POST",
        data=urlencode({"source": permalink(post), "target": target}).encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    if not response.ok:
        raise PingFailedError(f"HTTP error: {response.status}")


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.KIJI_TRACKBACKS_SEND_RETRY_DELAY * 4 ** (attempts - 1))


def outgoing_ping_send(*, ping: OutgoingPing) -> OutgoingPing:
    """Discover (for a linked page) and send one ping, recording the outcome."""
    if not _claim(ping):
        return ping
    ping.refresh_from_db()
    ping.attempts += 1
    now = timezone.now()
    try:
        if ping.origin == OutgoingPing.Origin.LISTED:
            ping.kind, ping.endpoint_url = OutgoingPing.Kind.TRACKBACK, ping.target_url
        elif not ping.endpoint_url:
            endpoint = discovery.discover(ping.target_url)
            if endpoint is None:
                ping.status, ping.next_attempt_at = OutgoingPing.Status.NO_ENDPOINT, None
                ping.message = "The page advertises no TrackBack, Pingback or Webmention endpoint."
                ping.save()
                return ping
            ping.kind, ping.endpoint_url = endpoint.kind, endpoint.url
        if ping.kind == OutgoingPing.Kind.TRACKBACK:
            send_trackback(endpoint=ping.endpoint_url, post=ping.post)
        elif ping.kind == OutgoingPing.Kind.PINGBACK:
            send_pingback(endpoint=ping.endpoint_url, post=ping.post, target=ping.target_url)
        else:
            send_webmention(endpoint=ping.endpoint_url, post=ping.post, target=ping.target_url)
    except UnsafeURLError as exc:
        ping.status, ping.next_attempt_at = OutgoingPing.Status.FAILED, None
        ping.message = f"Not sent: {exc}"
    except (FetchError, PingFailedError) as exc:
        ping.message = str(exc)
        if ping.attempts >= settings.KIJI_TRACKBACKS_SEND_MAX_ATTEMPTS:
            ping.status, ping.next_attempt_at = OutgoingPing.Status.FAILED, None
        else:
            ping.status = OutgoingPing.Status.RETRY
            ping.next_attempt_at = now + _retry_delay(ping.attempts)
    else:
        ping.status, ping.next_attempt_at, ping.sent_at = OutgoingPing.Status.SENT, None, now
        ping.message = ""
    ping.save()
    return ping


def post_pings_send(*, post) -> list[OutgoingPing]:
    """Schedule the targets of a published post and send those that are due."""
    post_pings_schedule(post=post)
    due = OutgoingPing.objects.due().filter(post=post).select_related("post")
    return [outgoing_ping_send(ping=ping) for ping in due]


def next_retry_at(*, post):
    """When the post's earliest scheduled retry is due, or None."""
    return (
        OutgoingPing.objects.filter(post=post)
        .filter(Q(status=OutgoingPing.Status.RETRY) | Q(status=OutgoingPing.Status.SENDING))
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
