"""The three receivers: TrackBack 1.2, Pingback 1.0 (XML-RPC) and Webmention.

Each is a small csrf-exempt function view that reads the raw request, asks
`trackbacks.receiving` to store the ping, and answers in its protocol's own
format, never with an HTML error page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from blog.models import Post
from moderation.flood import client_ip
from trackbacks import protocol, receiving, screening, targets
from trackbacks.models import Trackback

logger = logging.getLogger(__name__)


class BodyTooLargeError(Exception):
    pass


def _read_body(request: HttpRequest) -> bytes:
    """The raw body, at most `KIJI_TRACKBACKS_MAX_BODY_BYTES` (never `request.POST`)."""
    limit = settings.KIJI_TRACKBACKS_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLargeError
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BodyTooLargeError
    return body


# TrackBack -------------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def trackback(request: HttpRequest, post_id: int) -> HttpResponse:
    """Receive a TrackBack ping for a post (POST; a legacy GET ping is held for review).

    A GET without parameters leads to the post; `?__mode=rss` lists its
    approved pings.
    """
    post = Post.objects.published().filter(pk=post_id).first()
    query = request.META.get("QUERY_STRING", "").encode("latin-1", errors="replace")
    params = protocol.parse_urlencoded(query)
    invalid_id = _("Invalid TrackBack ID '%(id)s'") % {"id": post_id}
    if request.method != "POST":
        if params.get("__mode") == b"rss":
            return _rss(post) if post else protocol.trackback_response(invalid_id)
        if "url" not in params:
            if post is None:
                raise Http404("No such post.")
            return HttpResponseRedirect(post.get_absolute_url())
    if post is None:
        return protocol.trackback_response(invalid_id)
    try:
        body = _read_body(request) if request.method == "POST" else b""
        ping = protocol.read_trackback(
            body=body, query=query, content_type=request.META.get("CONTENT_TYPE", "")
        )
    except BodyTooLargeError:
        return protocol.trackback_response(_("The ping is too large."))
    except protocol.PingError as error:
        return protocol.trackback_response(error.message)
    if not post.pings_open:
        return protocol.trackback_response(_("Sorry, trackbacks are closed for this item."))
    if Trackback.objects.filter(post=post, url=ping.url).exists():
        # Movable Type's answer: a sender that retries is not punished.
        return protocol.trackback_response()
    ip = client_ip(request)
    if screening.throttle(ip=ip, post=post):
        return protocol.trackback_response(
            _("You are sending TrackBack pings too quickly. Please try again later."), status=403
        )
    hold_reason = ""
    if request.method != "POST":
        hold_reason = _("Held for review: a legacy GET ping")
    elif not ping.decoded_cleanly:
        hold_reason = _("Held for review: %(problem)s") % {"problem": ping.problem}
    receiving.receive_linkback(
        post=post,
        kind=Trackback.Kind.TRACKBACK,
        url=ping.url,
        title=ping.title,
        excerpt=ping.excerpt,
        blog_name=ping.blog_name,
        target_url=request.build_absolute_uri(iri_to_uri(post.get_absolute_url())),
        charset=ping.charset,
        ip=ip,
        hold_reason=hold_reason,
        decoding_problem=ping.problem,
        undecoded=ping.undecoded,
    )
    return protocol.trackback_response()


def _rss(post: Post) -> HttpResponse:
    pings = Trackback.objects.public().filter(post=post).for_display()
    return protocol.trackback_rss_response(
        title=post.title,
        link=settings.KIJI_SITE_URL.rstrip("/") + iri_to_uri(post.get_absolute_url()),
        description=post.summary,
        language=settings.LANGUAGE_CODE,
        items=[protocol.RssItem(p.title, p.url, p.excerpt) for p in pings],
    )


# Pingback --------------------------------------------------------------------------------------

GENERIC_FAULT = "The pingback was not registered."


@csrf_exempt
@require_http_methods(["POST"])
def xmlrpc(request: HttpRequest) -> HttpResponse:
    """The XML-RPC endpoint: `pingback.ping` and `system.listMethods`.

    Every pingback failure except "already registered" (48) is answered with
    the generic fault 0, as WordPress does, so the endpoint tells a prober
    nothing about other hosts or about this site's posts.
    """
    try:
        call = protocol.read_xmlrpc_call(_read_body(request))
    except BodyTooLargeError:
        return protocol.xmlrpc_fault(protocol.XMLRPC_SERVER_ERROR, "request too large")
    except protocol.PingbackFault as fault:
        return protocol.xmlrpc_fault(fault.code, fault.message)
    if call.method == "system.listMethods":
        return protocol.xmlrpc_response(["pingback.ping", "system.listMethods"])
    if call.method != "pingback.ping":
        return protocol.xmlrpc_fault(protocol.XMLRPC_METHOD_NOT_FOUND, "method not found")
    try:
        source, target = protocol.pingback_params(call)
        return _pingback(request, source, target)
    except protocol.PingbackFault as fault:
        if fault.code in (protocol.ALREADY_REGISTERED, protocol.XMLRPC_INVALID_PARAMS):
            return protocol.xmlrpc_fault(fault.code, fault.message)
        logger.info("Pingback refused (%s): %s -> %s", fault.message, source, target)
        return protocol.xmlrpc_fault(protocol.PINGBACK_GENERIC, GENERIC_FAULT)


def _pingback(request: HttpRequest, source: str, target: str) -> HttpResponse:
    if protocol.validate_webmention(source, target):
        raise protocol.PingbackFault(protocol.SOURCE_NOT_FOUND, "invalid source or target")
    post = targets.post_for_target(target, hosts=targets.site_hosts(request))
    if post is None or not post.pings_open:
        raise protocol.PingbackFault(protocol.TARGET_NOT_PINGABLE, "target not pingable")
    if Trackback.objects.filter(post=post, url=source).exists():
        raise protocol.PingbackFault(
            protocol.ALREADY_REGISTERED, "The pingback has already been registered."
        )
    ip = client_ip(request)
    if screening.throttle(ip=ip, post=post):
        raise protocol.PingbackFault(protocol.ACCESS_DENIED, "throttled")
    receiving.receive_linkback(
        post=post, kind=Trackback.Kind.PINGBACK, url=source, target_url=target, ip=ip
    )
    return protocol.xmlrpc_response(
        f"Pingback from {source} to {target} received; it will be checked and moderated."
    )


# Webmention ------------------------------------------------------------------------------------


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["POST"])
def webmention(request: HttpRequest) -> HttpResponse:
    """Receive a Webmention: 400 for an invalid request, 202 once queued for verification."""
    try:
        fields = protocol.parse_urlencoded(_read_body(request))
    except BodyTooLargeError:
        return _plain(_("The request is too large."), 413)
    try:
        source = fields.get("source", b"").decode("utf-8").strip()
        target = fields.get("target", b"").decode("utf-8").strip()
    except UnicodeDecodeError:
        return _plain(_("The source and target must be UTF-8 URLs."), 400)
    problem = protocol.validate_webmention(source, target)
    if problem:
        return _plain(problem, 400)
    post = targets.post_for_target(target, hosts=targets.site_hosts(request))
    if post is None:
        return _plain(_("The target is not a post of this site."), 400)
    if not post.pings_open:
        return _plain(_("This post does not accept mentions any more."), 400)
    ip = client_ip(request)
    if screening.throttle(ip=ip, post=post):
        response = _plain(_("Too many mentions; please try again later."), 429)
        response["Retry-After"] = "60"
        return response
    receiving.receive_webmention(post=post, source=source, target=target, ip=ip)
    return _plain(_("Webmention received; it will be verified and moderated."), 202)
