"""The wire formats of TrackBack 1.2, Pingback 1.0 and Webmention.

Reading requests (a TrackBack body parsed from raw bytes, never through
`request.POST`, which Django 5 refuses for non-UTF-8 forms; an XML-RPC call;
a Webmention pair) and writing the answers each protocol expects.
"""

from __future__ import annotations

import re
import xmlrpc.client
from dataclasses import dataclass
from urllib.parse import quote_from_bytes, unquote_to_bytes, urlsplit
from xml.parsers.expat import ExpatError

from django.http import HttpResponse
from django.utils.translation import gettext as _

from legacy_japanese.decoding import Decoded, RefusedCharsetError, decode_fields
from trackbacks import cleaning

TITLE_LENGTH = 250
EXCERPT_LENGTH = 252
BLOG_NAME_LENGTH = 245
URL_LENGTH = 2000
TEXT_FIELDS = ("title", "excerpt", "blog_name")

XML_CONTENT_TYPE = "text/xml; charset=utf-8"


class PingError(Exception):
    """A ping refused with a message for the sender."""

    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# Reading TrackBack pings -----------------------------------------------------------------------


def parse_urlencoded(raw: bytes) -> dict[str, bytes]:
    """Parse an `application/x-www-form-urlencoded` body into undecoded byte values.

    Names are ASCII in practice and are lower-cased; the first of repeated
    names wins; `+` is a space; percent-escapes may carry any byte.
    """
    fields: dict[str, bytes] = {}
    for part in raw.split(b"&"):
        if not part:
            continue
        name, _sep, value = part.partition(b"=")
        key = unquote_to_bytes(name.replace(b"+", b" ")).decode("latin-1").strip().lower()
        if key and key not in fields:
            fields[key] = unquote_to_bytes(value.replace(b"+", b" "))
    return fields


def content_type_charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _sep, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def validate_source_url(url: str) -> str:
    """Return `url` if it is an http(s) URL with a host, else raise PingError."""
    url = url.strip()
    if not url:
        raise PingError(_("You need to provide a Source URL (url)."))
    invalid = PingError(_("Invalid URL '%(url)s'") % {"url": cleaning.truncate(url, 200)})
    if len(url) > URL_LENGTH or any(
        c.isspace() or c in '"<>\\' or ord(c) < 0x20 or ord(c) == 0x7F for c in url
    ):
        raise invalid
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise invalid from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise invalid
    return url


@dataclass(frozen=True)
class TrackBackPing:
    url: str
    title: str
    excerpt: str
    blog_name: str
    charset: str
    # False when no charset decoded the text cleanly: the ping is then held for a
    # person, with `problem` saying why and `undecoded` keeping the bytes to read again.
    decoded_cleanly: bool = True
    problem: str = ""
    undecoded: bytes = b""


def read_trackback(*, body: bytes, query: bytes, content_type: str) -> TrackBackPing:
    """Read a TrackBack ping from the raw request body (or a legacy query string).

    Charset precedence: the `charset` form field, then the Content-Type
    charset, then detection (see `trackbacks.encoding`).
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type.startswith("multipart/"):
        raise PingError(_("Send the ping as application/x-www-form-urlencoded."))
    fields = parse_urlencoded(body)
    for key, value in parse_urlencoded(query).items():
        fields.setdefault(key, value)
    raw_url = fields.get("url", b"")
    try:
        url = raw_url.decode("utf-8")
    except UnicodeDecodeError:
        url = raw_url.decode("latin-1")
    url = validate_source_url(url)
    text = {key: fields.get(key, b"") for key in TEXT_FIELDS}
    text["charset"] = fields.get("charset", b"")
    text["content_type_charset"] = (content_type_charset(content_type) or "").encode("latin-1")
    try:
        title, excerpt, blog_name, decoded = read_trackback_text(text)
    except RefusedCharsetError:
        raise PingError(_("The UTF-7 character set is not accepted.")) from None
    title = title or cleaning.truncate(excerpt, 40) or cleaning.truncate(url, TITLE_LENGTH)
    undecoded = b"" if decoded.clean else pack_trackback_text(text)
    return TrackBackPing(
        url, title, excerpt, blog_name, decoded.charset, decoded.clean, decoded.problem, undecoded
    )


def read_trackback_text(text: dict[str, bytes]) -> tuple[str, str, str, Decoded]:
    """Decode and clean a ping's title, excerpt and blog name, as received with its charsets.

    `text` holds the three fields' bytes, `charset` (the form field) and
    `content_type_charset`; returns (title, excerpt, blog name, the decoding).
    """
    declared = [
        text.get("charset", b"").decode("latin-1") or None,
        text.get("content_type_charset", b"").decode("latin-1") or None,
    ]
    decoded = decode_fields({key: text.get(key, b"") for key in TEXT_FIELDS}, declared)
    return (
        cleaning.clean_text(decoded.fields["title"], TITLE_LENGTH),
        cleaning.clean_text(decoded.fields["excerpt"], EXCERPT_LENGTH),
        cleaning.clean_text(decoded.fields["blog_name"], BLOG_NAME_LENGTH),
        decoded,
    )


UNDECODED_TRACKBACK = b"trackback\n"


def pack_trackback_text(text: dict[str, bytes]) -> bytes:
    """A ping's undecoded fields as kept with it: a tag line, then the fields form-encoded."""
    return UNDECODED_TRACKBACK + "&".join(
        f"{key}={quote_from_bytes(value, safe='')}" for key, value in text.items()
    ).encode("ascii")


def unpack_trackback_text(packed: bytes) -> dict[str, bytes] | None:
    if not packed.startswith(UNDECODED_TRACKBACK):
        return None
    return parse_urlencoded(packed[len(UNDECODED_TRACKBACK) :])


# Writing TrackBack answers ---------------------------------------------------------------------


def xml_escape(value: str) -> str:
    value = "".join(c for c in value if c in "\t\n\r" or ord(c) >= 0x20)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def trackback_response(error: str | None = None, *, status: int = 200) -> HttpResponse:
    """The TrackBack 1.2 answer: `<error>0</error>`, or `<error>1</error>` with a message."""
    if error is None:
        body = '<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>0</error>\n</response>\n'
    else:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>1</error>\n'
            f"<message>{xml_escape(error)}</message>\n</response>\n"
        )
    return HttpResponse(body, content_type=XML_CONTENT_TYPE, status=status)


@dataclass(frozen=True)
class RssItem:
    title: str
    link: str
    description: str = ""


def trackback_rss_response(
    *, title: str, link: str, description: str, language: str, items: list[RssItem]
) -> HttpResponse:
    """The `__mode=rss` listing (TrackBack 1.1, kept by Movable Type): RSS 0.91 in `<response>`."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<response>",
        "<error>0</error>",
        '<rss version="0.91"><channel>',
        f"<title>{xml_escape(title)}</title>",
        f"<link>{xml_escape(link)}</link>",
        f"<description>{xml_escape(description)}</description>",
        f"<language>{xml_escape(language)}</language>",
    ]
    for item in items:
        lines.append("<item>")
        lines.append(f"<title>{xml_escape(item.title)}</title>")
        lines.append(f"<link>{xml_escape(item.link)}</link>")
        if item.description:
            lines.append(f"<description>{xml_escape(item.description)}</description>")
        lines.append("</item>")
    lines += ["</channel>", "</rss></response>", ""]
    return HttpResponse("\n".join(lines), content_type=XML_CONTENT_TYPE)


def read_trackback_answer(status: int, body: bytes) -> str | None:
    """Read a TrackBack receiver's answer: None on success, else the error to record."""
    if not 200 <= status < 300:
        return f"HTTP error: {status}"
    text = body.decode("utf-8", errors="replace")
    error = re.search(r"<error>\s*(\d+)\s*</error>", text)
    if error is None:
        return "The answer is not a TrackBack response."
    if int(error.group(1)) == 0:
        return None
    message = re.search(r"<message>(.*?)</message>", text, re.S)
    detail = cleaning.clean_text(message.group(1), 500) if message else ""
    return detail or "The receiver reported an error without a message."


# Pingback (XML-RPC) ----------------------------------------------------------------------------

PINGBACK_GENERIC = 0
SOURCE_NOT_FOUND = 0x0010
SOURCE_HAS_NO_LINK = 0x0011
TARGET_NOT_FOUND = 0x0020
TARGET_NOT_PINGABLE = 0x0021
ALREADY_REGISTERED = 0x0030
ACCESS_DENIED = 0x0031
XMLRPC_PARSE_ERROR = -32700
XMLRPC_METHOD_NOT_FOUND = -32601
XMLRPC_INVALID_PARAMS = -32602
XMLRPC_SERVER_ERROR = -32600


class PingbackFault(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class XmlRpcCall:
    method: str
    params: tuple


def read_xmlrpc_call(body: bytes) -> XmlRpcCall:
    """Parse an XML-RPC request; raise PingbackFault with the interop fault codes."""
    if b"<!DOCTYPE" in body[:2048].upper() or b"<!ENTITY" in body.upper():
        raise PingbackFault(XMLRPC_PARSE_ERROR, "parse error: DTDs are not accepted")
    try:
        params, method = xmlrpc.client.loads(body, use_builtin_types=True)
    except (ExpatError, xmlrpc.client.ResponseError, ValueError, TypeError, IndexError):
        raise PingbackFault(XMLRPC_PARSE_ERROR, "parse error: not well formed") from None
    if not method:
        raise PingbackFault(XMLRPC_SERVER_ERROR, "invalid XML-RPC: no method name")
    return XmlRpcCall(method, params)


def pingback_params(call: XmlRpcCall) -> tuple[str, str]:
    """The (source, target) of a `pingback.ping` call."""
    if len(call.params) != 2 or not all(isinstance(p, str) for p in call.params):
        raise PingbackFault(XMLRPC_INVALID_PARAMS, "pingback.ping takes two strings")
    source, target = (p.strip() for p in call.params)
    return source, target


def xmlrpc_response(value) -> HttpResponse:
    body = xmlrpc.client.dumps((value,), methodresponse=True, allow_none=False)
    return HttpResponse(body, content_type=XML_CONTENT_TYPE)


def xmlrpc_fault(code: int, message: str) -> HttpResponse:
    body = xmlrpc.client.dumps(xmlrpc.client.Fault(code, message), methodresponse=True)
    return HttpResponse(body, content_type=XML_CONTENT_TYPE)


# Webmention ------------------------------------------------------------------------------------


def validate_webmention(source: str, target: str) -> str | None:
    """Return why a (source, target) pair is invalid, or None if its form is acceptable."""
    for name, value in (("source", source), ("target", target)):
        if not value:
            return _("The %(name)s parameter is missing.") % {"name": name}
        try:
            validate_source_url(value)
        except PingError:
            return _("The %(name)s parameter is not a valid http or https URL.") % {"name": name}
    if source.split("#", 1)[0] == target.split("#", 1)[0]:
        return _("The source and the target must be different.")
    return None


# TrackBack autodiscovery -----------------------------------------------------------------------


def _comment_safe(value: str) -> str:
    """Escape an attribute value for an RDF block that sits inside an HTML comment.

    Besides XML escaping, `--` is written as character references so a title
    cannot end the comment (`-->`, `--!>`) and spill markup into the page.
    """
    return xml_escape(value).replace("--", "&#x2d;&#x2d;")


def autodiscovery_rdf(*, permalink: str, title: str, ping_url: str) -> str:
    """The TrackBack 1.2 RDF block, in an HTML comment, with every value escaped."""
    return (
        "<!--\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
        '         xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '         xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/">\n'
        "<rdf:Description\n"
        f'    rdf:about="{_comment_safe(permalink)}"\n'
        f'    dc:identifier="{_comment_safe(permalink)}"\n'
        f'    dc:title="{_comment_safe(title)}"\n'
        f'    trackback:ping="{_comment_safe(ping_url)}" />\n'
        "</rdf:RDF>\n"
        "-->"
    )
