"""Rendering and sanitising of post bodies: the only place `blog` calls bleach.

Bodies are rendered once, when a post is saved, and the result is stored.
Even the author's HTML is sanitised, because imported posts come from files
that passed through other hands. No `style` attribute is kept: the site's
Content-Security-Policy refuses inline style, so the browser would ignore it.

Apps that keep things a body may refer to (the media library's pictures,
`media:12`) register a body transform in their `AppConfig.ready()`
(`register_body_transform`): it runs on the sanitised HTML and resolves the
references, so `blog` imports none of them. The allowlist below has what
their markup needs: responsive images (`srcset`, `sizes`, a WebP `<source>`
in a `<picture>`) and figures with captions.
"""

import html
import re
import threading
from collections.abc import Callable, Iterable

import bleach
import markdown
from django.utils.text import Truncator

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "acronym", "b", "blockquote", "br", "caption", "cite", "code", "col",
        "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
        "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
        "mark", "ol", "p", "picture", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small",
        "source", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
        "th", "thead", "time", "tr", "u", "ul", "var",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "lang", "title", "dir"],
    "a": ["href", "name", "rel"],
    "abbr": ["title"],
    "img": ["src", "srcset", "sizes", "alt", "width", "height", "loading", "decoding"],
    # Only inside <picture> (no <video> or <audio> is allowed): another format of the image.
    "source": ["srcset", "sizes", "type", "width", "height"],
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

_transforms: list[Callable[[str], str]] = []
_reference_schemes: set[str] = set()
_generation = 0  # raised by each registration: the cleaners are built again


def register_body_transform(
    transform: Callable[[str], str], *, schemes: Iterable[str] = ()
) -> None:
    """Run `transform` on every rendered body, after sanitising.

    `transform(safe_html)` returns safe HTML: it may only replace what it
    recognises with markup it builds and escapes itself, within the allowlist
    above. `schemes` are the URL schemes of the references it resolves
    (`media` for `media:12`): the sanitiser keeps `src` and `href` attributes
    using them so the transform can find them; it must replace every one it
    cannot resolve. Call it from `AppConfig.ready()`; registering the same
    function again changes nothing.
    """
    global _generation
    if transform not in _transforms:
        _transforms.append(transform)
    _reference_schemes.update(schemes)
    _generation += 1


def render_body(source: str, body_format: str) -> str:
    """Return safe HTML for a post body written in Markdown or HTML."""
    if body_format == "markdown":
        source = markdown.markdown(source, extensions=["extra", "sane_lists"])
    safe_html = _cleaner().clean(_code_elements.sub("", source))
    for transform in _transforms:
        safe_html = transform(safe_html)
    return safe_html


_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    """One bleach Cleaner per thread: building one per call costs more than cleaning."""
    if getattr(_local, "generation", None) != _generation:
        _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS | _reference_schemes,
            strip=True,
            strip_comments=True,
        )
        _local.generation = _generation
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
