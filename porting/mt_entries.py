"""What the Movable Type reader and writer share: the entry records and the format's markers.

The format is the one Movable Type, TypePad and cocolog export: entries
separated by a line of eight dashes, sections inside an entry by a line of
five dashes, `KEY: VALUE` metadata in any order, then `BODY:`,
`EXTENDED BODY:`, `EXCERPT:`, `KEYWORDS:`, `COMMENT:` and `PING:` sections.
`porting.mt_reader` reads it and `porting.mt_writer` writes it; the WXR
reader (`porting.wxr`) produces the same records.

Nothing here touches the database: entries are plain dataclasses.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

ENTRY_SEPARATOR = "--------"
SECTION_SEPARATOR = "-----"
# The start of a metadata line: an upper-case key and a colon.
META_START = re.compile(rb"^[A-Z][A-Z0-9 _]*:")

_keyword_split = re.compile("[,\u3001\uff0c\n]")  # comma, ideographic and fullwidth comma


class ExportError(ValueError):
    """The file as a whole cannot be read (for example, not a text file)."""


# Moderation states an export can give a comment or ping. MT exports hold only
# approved ones; WordPress exports also pending and spam.
APPROVED, PENDING, SPAM = "approved", "pending", "spam"


@dataclass
class Comment:
    author: str = ""
    email: str = ""
    url: str = ""
    ip: str = ""
    date: datetime | None = None
    text: str = ""
    status: str = APPROVED
    # Threads, which only WXR has: the old blog's id for the comment, and the id of
    # the comment it answers ("" for none).
    source_id: str = ""
    reply_to: str = ""


@dataclass
class Ping:
    title: str = ""
    url: str = ""
    ip: str = ""
    blog_name: str = ""
    date: datetime | None = None
    excerpt: str = ""
    status: str = APPROVED
    kind: str = "trackback"  # MT exports hold TrackBacks; WordPress also pingbacks


@dataclass
class Entry:
    """One entry of an export. Dates are naive, in the blog's local time."""

    line: int = 0
    title: str = ""
    author: str = ""
    basename: str = ""
    unique_url: str = ""
    status: str = "publish"
    allow_comments: bool = True
    allow_pings: bool = True
    convert_breaks: str = "0"
    primary_category: str = ""
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    date: datetime | None = None
    no_entry: bool = False
    body: str = ""
    extended_body: str = ""
    excerpt: str = ""
    keywords: str = ""
    comments: list[Comment] = field(default_factory=list)
    pings: list[Ping] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    place: str = ""  # where the entry is, when not a line (e.g. a WXR item)
    source_id: str = ""  # the old blog's id for the entry, when the format has one (WXR)

    @property
    def all_categories(self) -> list[str]:
        """The primary category first, then the others, without repeats."""
        names = [self.primary_category, *self.categories] if self.primary_category else []
        names = names or list(self.categories)
        return list(dict.fromkeys(name for name in names if name))

    @property
    def keyword_tags(self) -> list[str]:
        return [word.strip() for word in _keyword_split.split(self.keywords) if word.strip()]

    def describe(self) -> str:
        return f"“{self.title or '(untitled)'}” ({self.place or f'line {self.line}'})"


@dataclass
class EntryError:
    """An entry that could not be read: where it is and what was wrong."""

    line: int
    title: str
    message: str
    place: str = ""

    def describe(self) -> str:
        where = self.place or f"line {self.line}"
        return f"“{self.title or '(untitled)'}” ({where}): {self.message}"


class EntryProblem(ValueError):
    """One entry cannot be read or imported; the message says why."""
