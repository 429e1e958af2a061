"""Character sets of incoming pings and fetched pages.

A 2004-era Japanese blog sends its TrackBack in its own encoding (Shift_JIS,
EUC-JP, ISO-2022-JP or UTF-8), declared in a `charset` form field, in the
Content-Type header, in both, in neither, or wrongly. The rule here: every
declared charset and the Japanese candidates are tried strictly on all the
fields at once, each clean decoding is scored by how much it reads like text
(kana and kanji count for, half-width katakana, private-use and control
characters count against), and the best wins; a declared charset wins ties.
UTF-7 is refused outright (it smuggles markup past filters).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

ALIASES = {
    "sjis": "cp932",
    "x-sjis": "cp932",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "shiftjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "cp932": "cp932",
    "euc": "euc-jp",
    "eucjp": "euc-jp",
    "euc-jp": "euc-jp",
    "x-euc-jp": "euc-jp",
    "ujis": "euc-jp",
    "jis": "iso2022_jp_ext",
    "iso-2022-jp": "iso2022_jp_ext",
    "utf8": "utf-8",
    "utf-8": "utf-8",
}
# Windows text needs the Microsoft supersets (circled digits, NEC and IBM extensions).
_PREFERRED = {"shift_jis": "cp932", "iso2022_jp": "iso2022_jp_ext"}
# Tried after the declared charsets, in this order (earlier wins a tie).
DETECTION_ORDER = ("utf-8", "iso2022_jp_ext", "euc_jp", "cp932")


class RefusedCharsetError(ValueError):
    """The ping declares a charset that is refused (UTF-7)."""


@dataclass(frozen=True)
class Decoded:
    fields: dict[str, str]
    charset: str
    # False when nothing decoded cleanly and replacement characters were used.
    clean: bool = True


def normalize_charset(name: str | None) -> str | None:
    """Return a Python codec name for a declared charset, or None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if not name:
        return None
    name = ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return None
    if codec.name == "utf-7":
        raise RefusedCharsetError(name)
    return _PREFERRED.get(codec.name, codec.name)


def _char_score(char: str) -> int:
    code = ord(char)
    if code < 0x80:
        if code < 0x20 and char not in "\t\n\r":
            return -5
        return 1
    if 0x3040 <= code <= 0x30FF:  # hiragana, katakana
        return 3
    if 0x4E00 <= code <= 0x9FFF or 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E:
        return 2
    if (
        0xFF61 <= code <= 0xFF9F  # half-width katakana: typical of a wrong Japanese guess
        or 0xE000 <= code <= 0xF8FF  # private use
        or 0x80 <= code <= 0x9F  # C1 controls
        or code == 0xFFFD
    ):
        return -5
    return -1


def text_score(text: str) -> int:
    return sum(_char_score(c) for c in text)


def _strict(raw: bytes, charset: str) -> str | None:
    try:
        text = raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None
    return text.removeprefix("\ufeff")


def decode_fields(raw_fields: dict[str, bytes], declared: list[str | None]) -> Decoded:
    """Decode the byte values of `raw_fields` with one charset chosen for all of them.

    `declared` lists the declared charsets, most trusted first (the form
    field, then the Content-Type parameter). Raises `RefusedCharsetError`
    for UTF-7.
    """
    candidates: list[str] = []
    for name in declared:
        charset = normalize_charset(name)
        if charset and charset not in candidates:
            candidates.append(charset)
    joined = b"".join(raw_fields.values())
    if joined.isascii() and b"\x1b" not in joined:
        charset = candidates[0] if candidates else "utf-8"
        return Decoded({k: v.decode("ascii") for k, v in raw_fields.items()}, charset)
    for charset in DETECTION_ORDER:
        if charset not in candidates:
            candidates.append(charset)
    best: tuple[int, int, str, dict[str, str]] | None = None
    for rank, charset in enumerate(candidates):
        decoded = {}
        for key, value in raw_fields.items():
            text = _strict(value, charset)
            if text is None:
                break
            decoded[key] = text
        else:
            score = sum(text_score(t) for t in decoded.values())
            if best is None or (score, -rank) > (best[0], best[1]):
                best = (score, -rank, charset, decoded)
    if best is not None:
        return Decoded(best[3], best[2])
    return Decoded(
        {k: v.decode("cp932", errors="replace") for k, v in raw_fields.items()},
        "cp932",
        clean=False,
    )


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


def decode_document(body: bytes, declared: str | None = None) -> str:
    """Decode a fetched HTML page: declared charset, then `<meta charset>`, then detection."""
    names = [declared]
    match = _META_CHARSET.search(body[:4096])
    if match:
        names.append(match.group(1).decode("ascii"))
    for name in names:
        try:
            charset = normalize_charset(name)
        except RefusedCharsetError:
            continue
        if charset:
            text = _strict(body, charset)
            if text is not None:
                return text
    try:
        return decode_fields({"body": body}, []).fields["body"]
    except RefusedCharsetError:  # pragma: no cover - nothing declared here
        return body.decode("utf-8", errors="replace")
