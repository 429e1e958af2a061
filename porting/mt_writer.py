"""Writing Movable Type exports, one entry at a time.

What is written reads back the same through `porting.mt_reader`. The
records and the format's markers are in `porting.mt_entries`.
"""

import html
from collections.abc import Iterable
from datetime import datetime
from typing import TextIO

from porting.mt_entries import ENTRY_SEPARATOR, META_START, SECTION_SEPARATOR, Entry


def format_date(value: datetime) -> str:
    return value.strftime("%m/%d/%Y %I:%M:%S %p")


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _name(value: str) -> str:
    """A title or name on one line, with `&` and `<` escaped as MT stores them."""
    return html.escape(_one_line(value), quote=False)


def _body_text(value: str) -> str:
    """Section text that reads back the same and cannot end the entry early.

    Lines of five or eight dashes inside a text are read back as text (see
    `records` and `parse_record`), except a line of eight dashes followed by
    what looks like metadata: that one gets a leading space.
    """
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    following = [line for line in lines if line.strip()]
    out, seen = [], 0
    for line in lines:
        if line.strip():
            seen += 1
        if line.rstrip() == ENTRY_SEPARATOR:
            after = following[seen] if seen < len(following) else ""
            if not after or META_START.match(after.encode()):
                line = f" {line}"
        out.append(line)
    return "\n".join(out)


def _quote_tag(tag: str) -> str:
    """A tag for TAGS: quoted (inner quotes doubled) when it holds a comma, space or quote."""
    if any(ch in tag for ch in ', "'):
        return '"' + tag.replace('"', '""') + '"'
    return tag


def write_entry(entry: Entry) -> str:
    """One entry in the MT format, ending with its separator line."""
    out = [
        f"AUTHOR: {_one_line(entry.author)}",
        f"TITLE: {_name(entry.title)}",
    ]
    if entry.basename:
        out.append(f"BASENAME: {_one_line(entry.basename)}")
    if entry.unique_url:
        out.append(f"UNIQUE URL: {_one_line(entry.unique_url)}")
    out += [
        f"STATUS: {'Publish' if entry.status in ('publish', 'future') else 'Draft'}",
        f"ALLOW COMMENTS: {int(entry.allow_comments)}",
        f"CONVERT BREAKS: {entry.convert_breaks}",
        f"ALLOW PINGS: {int(entry.allow_pings)}",
    ]
    if entry.primary_category:
        out.append(f"PRIMARY CATEGORY: {_name(entry.primary_category)}")
    out += [f"CATEGORY: {_name(name)}" for name in entry.all_categories]
    if entry.date:
        out.append(f"DATE: {format_date(entry.date)}")
    if entry.tags:
        out.append("TAGS: " + ",".join(_quote_tag(_name(tag)) for tag in entry.tags))
    out += [SECTION_SEPARATOR, "BODY:", _body_text(entry.body), SECTION_SEPARATOR]
    out += ["EXTENDED BODY:", _body_text(entry.extended_body), SECTION_SEPARATOR]
    out += ["EXCERPT:", _body_text(entry.excerpt), SECTION_SEPARATOR]
    out += ["KEYWORDS:", _body_text(entry.keywords), SECTION_SEPARATOR]
    for comment in entry.comments:
        out += [
            "COMMENT:",
            f"AUTHOR: {_name(comment.author)}",
            f"EMAIL: {_one_line(comment.email)}",
            f"IP: {_one_line(comment.ip)}",
            f"URL: {_one_line(comment.url)}",
        ]
        if comment.date:
            out.append(f"DATE: {format_date(comment.date)}")
        out += [_body_text(comment.text), SECTION_SEPARATOR]
    for ping in entry.pings:
        out += [
            "PING:",
            f"TITLE: {_name(ping.title)}",
            f"URL: {_one_line(ping.url)}",
            f"IP: {_one_line(ping.ip)}",
            f"BLOG NAME: {_name(ping.blog_name)}",
        ]
        if ping.date:
            out.append(f"DATE: {format_date(ping.date)}")
        out += [_body_text(ping.excerpt), SECTION_SEPARATOR]
    out.append(ENTRY_SEPARATOR)
    return "\n".join(out) + "\n"


def write_entries(entries: Iterable[Entry], out: TextIO) -> int:
    """Write entries to a text stream one at a time; return how many were written."""
    written = 0
    for entry in entries:
        out.write(write_entry(entry))
        written += 1
    return written
