"""Turning hostile ping fields into plain text: the only place `trackbacks` calls bleach.

Every field of a ping (title, excerpt, blog name, a fetched page's title) is
stored as plain text: tags and the content of scripts and styles removed,
entities resolved, control characters dropped, whitespace folded, Unicode
NFC-normalised and cut to a number of characters. Templates autoescape it.
"""

from __future__ import annotations

import html
import re
import unicodedata

import bleach

ELLIPSIS = "…"
_SCRIPTS = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


def strip_html(value: str) -> str:
    """Plain text of `value`: no tags, no scripts, entities resolved."""
    value = _SCRIPTS.sub(" ", value)
    value = bleach.clean(value, tags=set(), attributes={}, strip=True, strip_comments=True)
    # bleach leaves the text escaped; stored values are plain text, escaped again on output.
    return html.unescape(value)


def truncate(value: str, limit: int) -> str:
    """Cut `value` to at most `limit` characters, marking a cut with an ellipsis."""
    if len(value) <= limit:
        return value
    return value[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def clean_text(value: str, limit: int) -> str:
    """A ping field as safe plain text of at most `limit` characters."""
    value = _CONTROLS.sub("", unicodedata.normalize("NFC", value))
    # Again after resolving entities: `&#7;` must not bring a control character back.
    value = _CONTROLS.sub("", strip_html(value))
    value = _SPACE.sub(" ", value).strip()
    return truncate(value, limit)
