"""Reading HTML pages for linkbacks: endpoint discovery, outgoing links, link-back checks.

Endpoint discovery follows each protocol's own rules:

- Webmention (W3C, §3.1.2): the first HTTP `Link` header with `rel` containing
  `webmention`, else the first `<link>` or `<a>` element with that rel and an
  `href`, in document order; relative URLs resolve against the final URL
  after redirects, `href=""` is the page itself, the query string is kept.
- Pingback 1.0: the `X-Pingback` header, else `<link rel="pingback">`.
- TrackBack 1.2: the RDF block (usually inside an HTML comment) whose
  `dc:identifier` is the page, else the only block on the page.

Pages are parsed with the standard library's tolerant HTML parser, so
markup in comments or escaped as text never counts as an element.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from trackbacks import cleaning
from trackbacks.fetcher import FetchError, FetchResponse, fetch

URL_ATTRIBUTES = {"href", "src", "cite", "data", "poster"}
_SKIP_TEXT = {"script", "style", "template", "noscript"}


class _PageParser(HTMLParser):
    """Collect, in document order, the elements with a rel, every URL attribute, and the text."""

    def __init__(self, *, mark: set[str] | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.rel_elements: list[tuple[str, set[str], str | None]] = []
        self.urls: list[str] = []
        self.anchors: list[str] = []
        self.title = ""
        self._in_title = False
        self._skip = 0
        self._mark = mark or set()
        self.text: list[str] = []
        self.mark_at: int | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        values = {name: value for name, value in attrs if value is not None or name == "href"}
        if tag in ("link", "a") and "rel" in values:
            rels = set((values.get("rel") or "").lower().split())
            self.rel_elements.append((tag, rels, values.get("href")))
        for name in URL_ATTRIBUTES:
            value = values.get(name)
            if value:
                self.urls.append(value.strip())
                if tag == "a" and name == "href":
                    self.anchors.append(value.strip())
                if self.mark_at is None and value.strip() in self._mark:
                    self.mark_at = sum(len(t) for t in self.text)
        if tag == "title":
            self._in_title = True
        if tag in _SKIP_TEXT:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIP_TEXT and self._skip:
            self._skip -= 1
        if tag in ("p", "div", "br", "li", "h1", "h2", "h3", "td"):
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.title:
            self.title = data
        elif not self._skip:
            self.text.append(data)


def parse_page(text: str, *, mark: set[str] | None = None) -> _PageParser:
    parser = _PageParser(mark=mark)
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # pragma: no cover - the parser is tolerant
        pass
    return parser


# Link headers ----------------------------------------------------------------------------------

_LINK_VALUE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+(?:=(?:\"[^\"]*\"|[^;,]*))?)*)")
_LINK_PARAM = re.compile(r";\s*([^\s=;,]+)\s*(?:=\s*(\"[^\"]*\"|[^;,]*))?")


def parse_link_headers(values: list[str]) -> list[tuple[str, set[str]]]:
    """Parse RFC 8288 `Link` header values into (URL, rel values) in order."""
    links = []
    for value in values:
        for match in _LINK_VALUE.finditer(value):
            rels: set[str] = set()
            for name, param in _LINK_PARAM.findall(match.group(2)):
                if name.lower() == "rel":
                    rels.update(param.strip().strip('"').lower().split())
            links.append((match.group(1).strip(), rels))
    return links


# Discovery -------------------------------------------------------------------------------------


def webmention_endpoint(response: FetchResponse, page: _PageParser | None = None) -> str | None:
    endpoint = webmention_endpoint_from_headers(response)
    if endpoint:
        return endpoint
    page = page or parse_page(response.text())
    for _tag, rels, href in page.rel_elements:
        if "webmention" in rels and href is not None:
            return urljoin(response.url, href.strip())
    return None


def pingback_endpoint(response: FetchResponse, page: _PageParser | None = None) -> str | None:
    header = response.headers.get("X-Pingback")
    if header and header.strip():
        return urljoin(response.url, header.strip())
    page = page or parse_page(response.text())
    for tag, rels, href in page.rel_elements:
        if tag == "link" and "pingback" in rels and href:
            return urljoin(response.url, href.strip())
    return None


_RDF_BLOCK = re.compile(r"<rdf:RDF\b.*?</rdf:RDF\s*>", re.S | re.I)
_RDF_DESCRIPTION = re.compile(r"<rdf:Description\b(.*?)/?>", re.S | re.I)
_ATTRIBUTE = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.S)


def trackback_blocks(text: str) -> list[dict[str, str]]:
    """The attributes of every TrackBack RDF description on a page."""
    blocks = []
    for block in _RDF_BLOCK.findall(text):
        for description in _RDF_DESCRIPTION.findall(block):
            attrs = {
                name.lower(): html.unescape(double or single)
                for name, double, single in _ATTRIBUTE.findall(description)
            }
            if attrs.get("trackback:ping"):
                blocks.append(attrs)
    return blocks


def trackback_endpoint(text: str, page_url: str) -> str | None:
    blocks = trackback_blocks(text)
    wanted = {page_url, urldefrag(page_url)[0]}
    for attrs in blocks:
        identifier = attrs.get("dc:identifier", "")
        if identifier in wanted or urldefrag(identifier)[0] in wanted:
            return urljoin(page_url, attrs["trackback:ping"].strip())
    if len(blocks) == 1:
        return urljoin(page_url, blocks[0]["trackback:ping"].strip())
    return None


@dataclass(frozen=True)
class Endpoint:
    kind: str  # "webmention", "pingback" or "trackback"
    url: str


def discover(url: str) -> Endpoint | None:
    """Fetch `url` and return the linkback endpoint it advertises, Webmention first.

    Raises FetchError when the page cannot be fetched safely.
    """
    response = fetch(url, headers={"Accept": "text/html, application/xhtml+xml, */*;q=0.5"})
    if not response.ok:
        raise FetchError(f"the page answered HTTP {response.status}")
    header_endpoint = webmention_endpoint_from_headers(response)
    if header_endpoint:
        return Endpoint("webmention", header_endpoint)
    if response.content_type and not (
        response.content_type.startswith("text/") or "xml" in response.content_type
    ):
        return None
    text = response.text()
    page = parse_page(text)
    endpoint = webmention_endpoint(response, page)
    if endpoint:
        return Endpoint("webmention", endpoint)
    endpoint = pingback_endpoint(response, page)
    if endpoint:
        return Endpoint("pingback", endpoint)
    endpoint = trackback_endpoint(text, response.url)
    if endpoint:
        return Endpoint("trackback", endpoint)
    return None


def webmention_endpoint_from_headers(response: FetchResponse) -> str | None:
    for url, rels in parse_link_headers(response.header_values("Link")):
        if "webmention" in rels:
            return urljoin(response.url, url)
    return None


# Outgoing links and link-back checks -----------------------------------------------------------


def outgoing_links(body_html: str, *, own_hosts: set[str]) -> list[str]:
    """The distinct http(s) links of a post body worth pinging, in order.

    Links to this site and to bare home pages (no path and no query) are left
    out, as WordPress does: a home page is not about a post.
    """
    links: list[str] = []
    for href in parse_page(body_html).anchors:
        url = urldefrag(html.unescape(href))[0]
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        if parts.netloc.lower() in own_hosts:
            continue
        if parts.path in ("", "/") and not parts.query:
            continue
        if url not in links:
            links.append(url)
    return links


@dataclass(frozen=True)
class LinkCheck:
    found: bool
    title: str
    excerpt: str


def find_link(text: str, targets: set[str]) -> LinkCheck:
    """Whether the page `text` links to one of `targets` (exact URLs), with its title and context.

    Any URL attribute counts (`<a href>`, `<img src>`...); markup inside
    comments or escaped as text does not. For a plain-text body, the URL
    appearing in the text counts.
    """
    page = parse_page(text, mark=targets)
    found = any(url in targets for url in page.urls)
    joined = "".join(page.text)
    if not found and "<" not in text:
        found = any(target in text for target in targets)
    excerpt = ""
    if page.mark_at is not None:
        start = max(page.mark_at - 120, 0)
        excerpt = joined[start : page.mark_at + 160]
        excerpt = cleaning.clean_text(excerpt, 280)
        excerpt = f"[…] {excerpt} […]" if excerpt else ""
    return LinkCheck(found, cleaning.clean_text(page.title, 250), excerpt)
