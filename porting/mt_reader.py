"""Reading Movable Type exports: a streaming, section-aware reader.

Reading follows Movable Type's own section-aware importer and tolerates what
real exports contain: CRLF or CR line endings, a last entry without its
separator, blank lines in metadata, unknown keys, empty values, 12- and
24-hour dates, 2-digit years, and legacy Japanese encodings (detected or
forced). An entry that cannot be read becomes an `EntryError` naming its
title and line; the entries around it are still read.

The records and the format's markers are in `porting.mt_entries`.
"""

import codecs
import csv
import html
import re
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO, NamedTuple

from legacy_japanese import decoding
from porting.mt_entries import (
    ENTRY_SEPARATOR,
    META_START,
    SECTION_SEPARATOR,
    Comment,
    Entry,
    EntryError,
    EntryProblem,
    ExportError,
    Ping,
)

SECTION_KEYWORDS = ("BODY", "EXTENDED BODY", "EXCERPT", "KEYWORDS", "COMMENT", "PING")
COMMENT_KEYS = frozenset({"AUTHOR", "EMAIL", "URL", "IP", "DATE"})
PING_KEYS = frozenset({"TITLE", "URL", "IP", "DATE", "BLOG NAME"})
STATUSES = {
    "publish": "publish",
    "future": "future",
    "draft": "draft",
    "review": "draft",
    "unpublish": "draft",
    "junk": "draft",
    "spam": "draft",
}

_meta_line = re.compile(r"\s*:\s*")
_mt_date = re.compile(
    r"^\s*(\d{1,2})/(\d{1,2})/(\d{2,4})\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\s*([AaPp][Mm]))?\s*$"
)
_iso_date = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?\s*$")
_tags_in_html = re.compile(r"<[^>]*>")


def parse_date(value: str) -> datetime:
    """Parse an MT date: `MM/DD/YYYY hh:mm:ss AM|PM`, AM/PM optional (then 24-hour).

    Two-digit years are read as 1970-2069 (MT itself added 1900, which puts a
    2004 post in 1904). ISO dates (`YYYY-MM-DD hh:mm:ss`) are accepted too.
    """
    match = _mt_date.match(value)
    if match:
        month, day, year, hour, minute, second, meridiem = match.groups()
    else:
        match = _iso_date.match(value)
        if not match:
            raise EntryProblem(
                f"invalid date {value.strip()!r}: expected MM/DD/YYYY hh:mm:ss AM|PM"
            )
        year, month, day, hour, minute, second = match.groups()
        meridiem = None
    year_n, hour_n = int(year), int(hour)
    if len(year) == 2:
        year_n += 2000 if year_n < 70 else 1900
    if meridiem:
        meridiem = meridiem.upper()
        if not 1 <= hour_n <= 12:
            raise EntryProblem(f"invalid date {value.strip()!r}: hour {hour_n} with {meridiem}")
        if meridiem == "PM" and hour_n < 12:
            hour_n += 12
        elif meridiem == "AM" and hour_n == 12:
            hour_n = 0
    try:
        return datetime(year_n, int(month), int(day), hour_n, int(minute), int(second or 0))
    except ValueError as exc:
        raise EntryProblem(f"invalid date {value.strip()!r}: {exc}") from None


def parse_tags(value: str) -> list[str]:
    """Split MT's TAGS value: comma separated, names with commas or spaces quoted."""
    row = next(csv.reader([value], skipinitialspace=True), [])
    return [html.unescape(tag.strip()) for tag in row if tag.strip()]


def _flag(entry: Entry, key: str, value: str, default: bool) -> bool:
    normalised = value.strip().lower()
    if normalised in ("1", "yes", "true", "on", "open"):
        return True
    if normalised in ("", "0", "no", "false", "off", "closed", "2"):
        # MT writes 2 for "closed, existing comments shown".
        return False
    entry.warnings.append(f"{key} {value!r} is not 0 or 1; using {int(default)}")
    return default


def split_lines(stream: BinaryIO, chunk_size: int = 1 << 16) -> Iterator[tuple[int, bytes]]:
    r"""(byte offset, line) for each line of a binary stream; `\r\n`, `\r` and `\n` all end one."""
    ending = re.compile(rb"\r\n|\r|\n")
    pending, offset = b"", 0
    while chunk := stream.read(chunk_size):
        data = pending + chunk
        position = 0
        for match in ending.finditer(data):
            if match.group() == b"\r" and match.end() == len(data):
                break  # a CR at the end of a chunk may be half of a CRLF
            yield offset + position, data[position : match.start()]
            position = match.end()
        offset += position
        pending = data[position:]
    if pending:
        yield offset, pending.rstrip(b"\r")


class RawRecord(NamedTuple):
    """One entry's undecoded lines, its first line's number and each line's byte offset."""

    line: int
    lines: list[bytes]
    offsets: list[int]


def records(stream: BinaryIO) -> Iterator[RawRecord]:
    """Raw entries, split on lines of eight dashes.

    A line of eight dashes ends an entry only when the next non-blank line
    starts a metadata block (`KEY: value` with an upper-case key) or the file
    ends; real exports have such lines inside comments (an SQL query, a
    signature) and Movable Type's own importer cut those entries in two.
    """
    separator = ENTRY_SEPARATOR.encode()
    lines: list[bytes] = []
    offsets: list[int] = []
    held: list[tuple[int, bytes]] = []  # a separator line and blank lines after it, not yet judged
    start = 1
    for number, (offset, line) in enumerate(split_lines(stream), start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
            offset += len(codecs.BOM_UTF8)
        if held:
            if not line.strip() or line.rstrip() == separator:
                held.append((offset, line))
                continue
            if META_START.match(line):
                if any(part.strip() for part in lines):
                    yield RawRecord(start, lines, offsets)
                lines, offsets, start = [], [], number
            else:
                offsets.extend(o for o, _held in held)
                lines.extend(held_line for _o, held_line in held)
            held = []
        if line.rstrip() == separator:
            held = [(offset, line)]
        elif lines or line.strip():
            if not lines:
                start = number
            lines.append(line)
            offsets.append(offset)
    if any(part.strip() for part in lines):
        yield RawRecord(start, lines, offsets)


def count_entries(stream: BinaryIO) -> int:
    return sum(1 for _ in records(stream))


def choose_encoding(stream: BinaryIO, encoding: str = "auto") -> str:
    """The codec to read a whole export with: guessed, or the best of a named family.

    `euc-jp` stands for every EUC-JP that Japanese software wrote (see
    `legacy_japanese.decoding`), so a forced name still reads Windows text.
    Reads a seekable stream to its end and back.
    """
    if encoding == "auto":
        candidates = decoding.DETECTION_ORDER
    else:
        try:
            candidates = decoding.charset_candidates(encoding)
        except decoding.RefusedCharsetError:
            raise ExportError("UTF-7 files are not supported; convert to UTF-8 first") from None
        if not candidates:
            raise ExportError(f"unknown encoding {encoding!r}")
        if len(candidates) == 1:
            return candidates[0]
    start = stream.tell()
    guess = decoding.guess_file_encoding(stream, candidates)
    stream.seek(start)
    return guess.encoding


def _title_from_body(body: str) -> str:
    words = html.unescape(_tags_in_html.sub(" ", body)).split()
    title = " ".join(words[:5])
    return title[:60].strip()


def _section_keyword(lines: list[str]) -> tuple[str | None, list[str]]:
    """The section's keyword and its content lines (blank lines before the keyword skipped)."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index == len(lines):
        return None, []
    head = lines[index].strip()
    for keyword in SECTION_KEYWORDS:
        if head.upper() == f"{keyword}:":
            return keyword, lines[index + 1 :]
        if head.upper().startswith(f"{keyword}:") and keyword in ("BODY", "EXCERPT", "KEYWORDS"):
            # `BODY: text` on the keyword's own line.
            rest = head[len(keyword) + 1 :].strip()
            return keyword, [rest, *lines[index + 1 :]]
    return None, lines


def _text(lines: list[str]) -> str:
    """Section text: leading blank lines and trailing whitespace trimmed, the rest verbatim."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    return "\n".join(lines).rstrip()


def _headed_block(lines: list[str], keys: frozenset[str]) -> tuple[dict[str, str], str]:
    """Split a COMMENT or PING section into its header keys and the text after them."""
    headers: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        parts = _meta_line.split(line.strip(), maxsplit=1)
        key = parts[0].upper()
        if len(parts) == 2 and key in keys and key not in headers:
            headers[key] = parts[1].strip()
            index += 1
            continue
        break
    return headers, _text(lines[index:])


def _parse_comment(entry: Entry, lines: list[str]) -> Comment:
    headers, text = _headed_block(lines, COMMENT_KEYS)
    comment = Comment(
        author=html.unescape(headers.get("AUTHOR", "")),
        email=headers.get("EMAIL", ""),
        url=headers.get("URL", ""),
        ip=headers.get("IP", ""),
        text=text,
    )
    if headers.get("DATE"):
        try:
            comment.date = parse_date(headers["DATE"])
        except EntryProblem as exc:
            entry.warnings.append(f"comment by {comment.author or 'anonymous'}: {exc}")
    return comment


def _parse_ping(entry: Entry, lines: list[str]) -> Ping:
    headers, excerpt = _headed_block(lines, PING_KEYS)
    ping = Ping(
        title=html.unescape(headers.get("TITLE", "")),
        url=headers.get("URL", ""),
        ip=headers.get("IP", ""),
        blog_name=html.unescape(headers.get("BLOG NAME", "")),
        excerpt=excerpt,
    )
    if headers.get("DATE"):
        try:
            ping.date = parse_date(headers["DATE"])
        except EntryProblem as exc:
            entry.warnings.append(f"ping from {ping.url or 'unknown'}: {exc}")
    return ping


def _apply_meta(entry: Entry, lines: list[str]) -> list[str]:
    """Read the metadata block; return body lines when the legacy START BODY key is met."""
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        parts = _meta_line.split(line, maxsplit=1)
        key = parts[0].upper()
        value = parts[1].strip() if len(parts) == 2 else ""
        if key == "TITLE":
            entry.title = html.unescape(value)
        elif key == "AUTHOR":
            entry.author = value
        elif key == "BASENAME":
            entry.basename = value
        elif key == "UNIQUE URL":
            entry.unique_url = value
        elif key == "STATUS":
            status = STATUSES.get(value.lower())
            if status is None:
                entry.warnings.append(f"unknown STATUS {value!r}; imported as a draft")
                status = "draft"
            entry.status = status
        elif key == "ALLOW COMMENTS":
            entry.allow_comments = _flag(entry, key, value, True)
        elif key == "ALLOW PINGS":
            entry.allow_pings = _flag(entry, key, value, True)
        elif key == "CONVERT BREAKS":
            entry.convert_breaks = value or "0"
        elif key == "PRIMARY CATEGORY":
            entry.primary_category = html.unescape(value)
        elif key == "CATEGORY":
            if value:
                entry.categories.append(html.unescape(value))
        elif key == "TAGS":
            entry.tags.extend(parse_tags(value))
        elif key == "DATE":
            entry.date = parse_date(value)
        elif key == "NO ENTRY":
            entry.no_entry = value == "1"
        elif key == "START BODY":
            return lines[index + 1 :]
        # Other keys (AUTHOR EMAIL, custom fields such as CF50_BASENAME) are ignored.
    return []


def _title_guess(lines: list[str]) -> str:
    for line in lines:
        parts = _meta_line.split(line.strip(), maxsplit=1)
        if parts[0].upper() == "TITLE" and len(parts) == 2:
            return html.unescape(parts[1].strip())
    return ""


def parse_record(line: int, lines: list[str]) -> Entry:
    """Parse one entry's decoded lines; raises EntryProblem when it cannot be read."""
    entry = Entry(line=line)
    pieces: list[list[str]] = [[]]
    for text in lines:
        if text.rstrip() == SECTION_SEPARATOR:
            pieces.append([])
        else:
            pieces[-1].append(text)
    start_body = _apply_meta(entry, pieces[0])
    sections: list[tuple[str, list[str]]] = []
    if start_body:
        sections.append(("BODY", start_body))
    for piece in pieces[1:]:
        keyword, content = _section_keyword(piece)
        if keyword is None:
            if not any(text.strip() for text in piece):
                continue
            if sections:
                # A line of five dashes inside a body: keep it as text.
                sections[-1][1].extend([SECTION_SEPARATOR, *piece])
            else:
                entry.warnings.append("text before any BODY: section was ignored")
            continue
        sections.append((keyword, list(content)))
    for keyword, content in sections:
        if keyword == "BODY":
            entry.body = _text(content)
        elif keyword == "EXTENDED BODY":
            entry.extended_body = _text(content)
        elif keyword == "EXCERPT":
            entry.excerpt = _text(content)
        elif keyword == "KEYWORDS":
            entry.keywords = _text(content)
        elif keyword == "COMMENT":
            entry.comments.append(_parse_comment(entry, content))
        elif keyword == "PING":
            entry.pings.append(_parse_ping(entry, content))
    if entry.date is None and not entry.no_entry:
        raise EntryProblem("the entry has no DATE")
    if not entry.title:
        entry.title = _title_from_body(entry.body) or "(untitled)"
    return entry


def read_entries(stream: BinaryIO, encoding: str = "auto") -> Iterator[Entry | EntryError]:
    """Entries of an MT export, one at a time; unreadable ones come as EntryError.

    `encoding` is an encoding name or "auto". Guessing (also among the
    members of a named family such as EUC-JP) reads the stream once before
    parsing, so it must be seekable.
    """
    encoding = choose_encoding(stream, encoding)
    if encoding.replace("_", "-").startswith(("utf-16", "utf-32")):
        raise ExportError("UTF-16 and UTF-32 files are not supported; convert to UTF-8 first")
    for line, raw_lines, offsets in records(stream):
        try:
            # NUL has no meaning in an export and PostgreSQL refuses it in text.
            lines = [raw.decode(encoding).replace("\x00", "") for raw in raw_lines]
        except UnicodeDecodeError:
            guess = _title_guess([raw.decode(encoding, "replace") for raw in raw_lines])
            yield EntryError(line, guess, _undecodable(line, raw_lines, offsets, encoding))
            continue
        try:
            yield parse_record(line, lines)
        except EntryProblem as exc:
            yield EntryError(line, _title_guess(lines), str(exc))


def _undecodable(line: int, raw_lines: list[bytes], offsets: list[int], encoding: str) -> str:
    """Where an entry stops being `encoding`, and which `--encoding` would read it."""
    index, position = next(
        (index, position)
        for index, raw in enumerate(raw_lines)
        if (position := decoding.first_undecodable(raw, encoding)) is not None
    )
    raw = raw_lines[index]
    offset = offsets[index] + position
    message = (
        f"line {line + index} is not valid {decoding.label(encoding)} at byte {offset} "
        f"(bytes {raw[position : position + 4].hex(' ').upper()})"
    )
    readers = [name for name in decoding.encodings_that_read(raw) if name != encoding]
    if readers:
        option = ENCODING_OPTIONS.get(readers[0], readers[0])
        return (
            f"{message}; that line reads as {decoding.label(readers[0])}: try --encoding {option}"
        )
    return f"{message}; no encoding Kiji knows reads that line, so the file may be damaged there"


# What `--encoding` calls each codec.
ENCODING_OPTIONS = {
    "utf-8": "utf-8",
    "euc_jp": "euc-jp",
    "cp51932": "cp51932",
    "eucjp_ms": "eucjp-ms",
    "euc_jis_2004": "euc-jis-2004",
    "cp932": "shift_jis",
    "shift_jis_2004": "shift_jis-2004",
    "iso2022_jp_ext": "iso-2022-jp",
    "iso2022_jp_ms": "cp50221",
    "iso2022_jp_3": "iso-2022-jp-3",
}
