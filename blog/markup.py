"""Rendering and sanitising of post bodies: the only place `blog` calls bleach.

Bodies are rendered once, when a post is saved, and the result is stored.
Even the author's HTML is sanitised, because imported posts come from files
that passed through other hands. No `style` attribute is kept: the site's
Content-Security-Policy refuses inline style, so the browser would ignore it.
"""

import html
import re
import threading

import bleach
import markdown
from django.utils.text import Truncator

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "acronym", "b", "blockquote", "br", "caption", "cite", "code", "col",
        "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
        "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
        "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span",
        "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "time", "tr", "u", "ul", "var",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "lang", "title", "dir"],
    "a": ["href", "name", "rel"],
    "abbr": ["title"],
    "img": ["src", "alt", "width", "height", "loading"],
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align", "scope"],
    "time": ["datetime"],
    "ol": ["start", "reversed", "type"],
    "blockquote": ["cite"],
    "q": ["cite"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Elements whose content is code, not text: dropped whole, so no script text is
# left on the page once bleach has removed the tags themselves.
_code_elements = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_tags = re.compile(r"<[^>]*>")
_space = re.compile(r"\s+")
# Japanese and Chinese are written without spaces between words: where a tag
# (a paragraph or line break) stood between two such characters, the text
# runs on, as a Japanese reader would join the lines.
_wide = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60"
_space_between_wide = re.compile(f"(?<=[{_wide}]) (?=[{_wide}])")


def render_body(source: str, body_format: str) -> str:
    """Return safe HTML for a post body written in Markdown or HTML."""
    if body_format == "markdown":
        source = markdown.markdown(source, extensions=["extra", "sane_lists"])
    return _cleaner().clean(_code_elements.sub("", source))


_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    """One bleach Cleaner per thread: building one per call costs more than cleaning."""
    if not hasattr(_local, "cleaner"):
        _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
        )
    return _local.cleaner


def render(source: str, body_format: str) -> tuple[str, str]:
    """The stored forms of a post body: its safe HTML and its plain text (for search)."""
    safe_html = render_body(source, body_format)
    return safe_html, plain_text(safe_html)


def plain_text(safe_html: str) -> str:
    """Text content of already sanitised HTML, whitespace folded (for search and excerpts)."""
    text = _space.sub(" ", html.unescape(_tags.sub(" ", safe_html))).strip()
    return _space_between_wide.sub("", text)


def truncate_text(text: str, length: int) -> str:
    return Truncator(text).chars(length)
