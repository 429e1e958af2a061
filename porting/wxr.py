"""WordPress eXtended RSS (WXR) exports, read safely into the same entries as MT exports.

The XML is parsed by defusedxml with every DTD refused, so entity expansion
("billion laughs") and external entities (file or network reads) cannot
happen; WordPress never writes a DTD. Items are read one at a time and
dropped once read, so a large export does not need memory for all of it.
"""

import html
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from porting.media_import import Attachment
from porting.mt_entries import (
    APPROVED,
    PENDING,
    SPAM,
    Comment,
    Entry,
    EntryError,
    ExportError,
    Ping,
)

STATUSES = {
    "publish": "publish",
    "future": "future",
    "draft": "draft",
    "pending": "draft",
    "private": "draft",
}
COMMENT_STATUSES = {"1": APPROVED, "approve": APPROVED, "0": PENDING, "hold": PENDING, "spam": SPAM}
PING_TYPES = frozenset({"trackback", "pingback"})
NO_DATE = "0000-00-00 00:00:00"


def _name(tag: str) -> str:
    """`wp:post_id` style name for a namespaced tag (prefix from the namespace URI)."""
    if not tag.startswith("{"):
        return tag
    namespace, local = tag[1:].split("}", 1)
    if namespace.startswith("http://wordpress.org/export/"):
        prefix = "excerpt" if namespace.rstrip("/").endswith("excerpt") else "wp"
    elif "purl.org/rss/1.0/modules/content" in namespace:
        prefix = "content"
    elif "purl.org/dc/elements" in namespace:
        prefix = "dc"
    else:
        prefix = namespace
    return f"{prefix}:{local}"


def _fields(element: Element) -> dict[str, str]:
    """Text of each direct child by name (the first of repeated children)."""
    fields: dict[str, str] = {}
    for child in element:
        fields.setdefault(_name(child.tag), (child.text or "").strip("\n"))
    return fields


def _date(local: str, gmt: str) -> datetime:
    """The GMT date when WordPress recorded one, else the naive local date."""
    if gmt and gmt != NO_DATE:
        return datetime.strptime(gmt.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return datetime.strptime(local.strip(), "%Y-%m-%d %H:%M:%S")


def _parent_id(value: str) -> str:
    """The id in `wp:comment_parent`, or "" for a top-level comment (WordPress writes 0)."""
    value = value.strip()
    return "" if value in ("", "0") else value


class WXRReader:
    """Reads a WXR file; `skipped` counts items that are not posts (pages, attachments...)."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.skipped: Counter = Counter()

    def __iter__(self) -> Iterator[Entry | EntryError]:
        number = 0
        try:
            for _, element in SafeET.iterparse(self.stream, events=("end",), forbid_dtd=True):
                if element.tag != "item":
                    continue
                number += 1
                result = self._item(element, number)
                element.clear()
                if result is not None:
                    yield result
        except DefusedXmlException as exc:
            raise ExportError(
                f"refused: the file declares a DTD or entities ({exc.__class__.__name__}); "
                "WordPress exports have none, and expanding them could exhaust memory or "
                "read files"
            ) from None
        except ParseError as exc:
            line, column = exc.position
            if number == 0:
                raise ExportError(
                    f"not a well-formed XML file (line {line}, column {column})"
                ) from None
            yield EntryError(
                line,
                "",
                f"the file breaks off after item {number}: not well-formed XML "
                f"(line {line}, column {column}); the items after it were not read",
            )

    def _item(self, element: Element, number: int) -> Entry | EntryError | None:
        fields = _fields(element)
        post_type = fields.get("wp:post_type", "post")
        status = STATUSES.get(fields.get("wp:status", "publish"))
        if post_type != "post" or status is None:
            self.skipped[post_type if post_type != "post" else fields.get("wp:status")] += 1
            return None
        title = html.unescape(fields.get("title", ""))
        place = f"item {number}, post id {fields.get('wp:post_id', '?')}"
        try:
            date = _date(fields.get("wp:post_date", ""), fields.get("wp:post_date_gmt", ""))
        except ValueError:
            return EntryError(number, title, "no readable wp:post_date", place=place)
        entry = Entry(
            line=number,
            place=place,
            title=title,
            author=fields.get("dc:creator", ""),
            basename=unquote(fields.get("wp:post_name", "")),
            unique_url=fields.get("link", "") if status != "draft" else "",
            status=status,
            allow_comments=fields.get("wp:comment_status", "open") == "open",
            allow_pings=fields.get("wp:ping_status", "open") == "open",
            convert_breaks="1",  # WordPress adds paragraphs on display (wpautop)
            date=date,
            body=fields.get("content:encoded", ""),
            excerpt=fields.get("excerpt:encoded", ""),
            source_id=fields.get("wp:post_id", "").strip(),
        )
        for child in element:
            name = _name(child.tag)
            if name == "category" and child.text:
                domain = child.get("domain", "category")
                if domain == "category":
                    entry.categories.append(html.unescape(child.text.strip()))
                elif domain == "post_tag":
                    entry.tags.append(html.unescape(child.text.strip()))
            elif name == "wp:comment":
                self._comment(entry, _fields(child))
        if not entry.title:
            entry.title = "(untitled)"
        return entry

    def _comment(self, entry: Entry, fields: dict[str, str]) -> None:
        status = COMMENT_STATUSES.get(fields.get("wp:comment_approved", "1"))
        if status is None:  # trash, post-trashed
            self.skipped["trashed comment"] += 1
            return
        try:
            date = _date(fields.get("wp:comment_date", ""), fields.get("wp:comment_date_gmt", ""))
        except ValueError:
            date = None
            entry.warnings.append("a comment without a readable date gets the post's date")
        author = html.unescape(fields.get("wp:comment_author", ""))
        if fields.get("wp:comment_type") in PING_TYPES:
            entry.pings.append(
                Ping(
                    title=author,
                    blog_name=author,
                    url=fields.get("wp:comment_author_url", ""),
                    ip=fields.get("wp:comment_author_IP", ""),
                    date=date,
                    excerpt=fields.get("wp:comment_content", ""),
                    status=status,
                    kind=fields["wp:comment_type"],
                )
            )
            return
        entry.comments.append(
            Comment(
                author=author,
                email=fields.get("wp:comment_author_email", ""),
                url=fields.get("wp:comment_author_url", ""),
                ip=fields.get("wp:comment_author_IP", ""),
                date=date,
                text=fields.get("wp:comment_content", ""),
                status=status,
                source_id=fields.get("wp:comment_id", "").strip(),
                reply_to=_parent_id(fields.get("wp:comment_parent", "")),
            )
        )


def _postmeta(element: Element) -> dict[str, str]:
    """An item's `wp:postmeta` as key -> value."""
    meta = {}
    for child in element:
        if _name(child.tag) == "wp:postmeta":
            fields = _fields(child)
            meta.setdefault(fields.get("wp:meta_key", ""), fields.get("wp:meta_value", ""))
    return meta


def read_attachments(stream: BinaryIO) -> tuple[list[Attachment], dict[str, str]]:
    """The file's attachments, and each post's featured attachment (post id -> attachment id).

    Read in a pass of its own before the posts, so that the attachments are
    known whatever their place in the file. A file that is not well-formed
    stops the pass quietly: the posts' pass reports it.
    """
    attachments, thumbnails = [], {}
    try:
        for _, element in SafeET.iterparse(stream, events=("end",), forbid_dtd=True):
            if element.tag != "item":
                continue
            fields = _fields(element)
            post_id = fields.get("wp:post_id", "").strip()
            meta = _postmeta(element)
            if fields.get("wp:post_type") == "attachment" and fields.get("wp:attachment_url"):
                attachments.append(
                    Attachment(
                        source_id=post_id,
                        url=fields["wp:attachment_url"].strip(),
                        parent_id=_parent_id(fields.get("wp:post_parent", "")),
                        title=html.unescape(fields.get("title", "")),
                        alt=meta.get("_wp_attachment_image_alt", "").strip(),
                    )
                )
            elif meta.get("_thumbnail_id", "").strip():
                thumbnails[post_id] = meta["_thumbnail_id"].strip()
            element.clear()
    except (DefusedXmlException, ParseError):
        pass
    return attachments, thumbnails


def count_items(stream: BinaryIO) -> int:
    """Number of <item> elements, counted without parsing (for progress only)."""
    count, tail = 0, b""
    while chunk := stream.read(1 << 16):
        data = tail + chunk
        count += data.count(b"<item>") + data.count(b"<item ")
        tail = data[-6:]
        count -= tail.count(b"<item>") + tail.count(b"<item ")
    return count
