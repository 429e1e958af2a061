"""Rendering of comment text: the only place `comments` calls bleach.

A comment is plain text. Blank lines separate paragraphs, single line breaks
are kept, bare web addresses become links. A few inline tags a commenter may
type (`<b>`, `<i>`, `<em>`, `<strong>`, `<code>`, `<q>`) are kept; any other
markup, typed links included, is shown as the text it is, never run. Links
therefore always show their own address (none hides behind other words), and
every link gets `rel="nofollow ugc noopener"`. The result is stored on the
comment when it is saved (`Comment.text_html`) and is the only comment field
marked safe.
"""

import re
import secrets

import bleach
from bleach.linkifier import Linker

# Text content of rendered HTML (admin lists, feed titles): the blog's rule serves.
from blog.markup import plain_text  # noqa: F401

INLINE_TAGS = frozenset({"b", "i", "em", "strong", "code", "q"})
# Only the links linkify makes, and the paragraphs and breaks made here.
OUTPUT_TAGS = INLINE_TAGS | {"a", "p", "br"}
ATTRIBUTES = {"a": ["href", "rel"]}
PROTOCOLS = frozenset({"http", "https"})
LINK_REL = "nofollow ugc noopener"

_paragraph_break = re.compile(r"\n[ \t]*\n\s*")
_not_inline_tag = re.compile(r"<(?!/?(?:{})[\s/>])".format("|".join(INLINE_TAGS)), re.IGNORECASE)


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


_linker = Linker(callbacks=[_set_rel], parse_email=False)
_code_span = re.compile(r"<code>(.*?)</code>", re.DOTALL)


def _linkify_outside_code(body: str) -> str:
    """Linkify `body` except inside <code>.

    Linker(skip_tags=...) escapes the text of skipped tags a second time
    ("1 < 2" in <code> showed as "1 &lt; 2"), so code spans are set aside
    behind placeholders and put back after linkify.
    """
    held: list[str] = []
    key = secrets.token_hex(8)

    def hold(match: re.Match) -> str:
        held.append(match.group(1))
        return f"<code>kiji{key}n{len(held) - 1}</code>"

    linked = _linker.linkify(_code_span.sub(hold, body))
    for n, inner in enumerate(held):
        linked = linked.replace(f"kiji{key}n{n}", inner, 1)
    return linked


def render_comment(text: str) -> str:
    """Return safe HTML for a comment's plain text (see module doc)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    # Plain text: a typed "&lt;" or "&#106;" shows as typed, not as the character
    # it names (bleach keeps entities it finds), and a "<" that does not open one
    # of the inline tags is a character, so that "<!-- x -->", "<x" or a half
    # tag shows as typed instead of vanishing into the parser.
    text = _not_inline_tag.sub("&lt;", text.replace("&", "&amp;"))
    inline = bleach.clean(text, tags=INLINE_TAGS, attributes={}, strip=False)
    paragraphs = [p.strip() for p in _paragraph_break.split(inline) if p.strip()]
    body = "".join("<p>{}</p>".format(p.replace("\n", "<br>\n")) for p in paragraphs)
    # Linkify the assembled text, then clean once more: this balances any tag a
    # commenter opened in one paragraph and closed in another.
    return bleach.clean(
        _linkify_outside_code(body),
        tags=OUTPUT_TAGS,
        attributes=ATTRIBUTES,
        protocols=PROTOCOLS,
        strip=False,
    )
