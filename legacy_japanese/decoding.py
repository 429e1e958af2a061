"""Reading Japanese text whose encoding is declared wrongly, vaguely or not at all.

The one place Kiji decides how bytes from outside become text: TrackBack form
fields, fetched Pingback and Webmention source pages, and Movable Type export
files all come through here.

A 2004-era Japanese blog wrote Shift_JIS, EUC-JP, ISO-2022-JP or UTF-8, and
declared it in a form field, a header, a `<meta>` tag, in several of these,
in none, or wrongly. And "EUC-JP" or "ISO-2022-JP" meant whatever the writing
software meant by it: the JIS standard, Microsoft's CP51932 / CP50221,
eucJP-ms, or JIS X 0213. So a declared or guessed name stands for a family
of codecs (`FAMILIES`), tried strictly in order: the standard codec first, so
text that it reads comes out exactly as before, then the Windows variants
(`legacy_japanese.variants`), then JIS X 0213. Every clean decoding is scored
by how much it reads like text (kana and kanji count for; half-width katakana,
private use and control characters, typical of a wrong guess, count against)
and the best wins; a declared charset wins ties.

Text that no candidate reads cleanly is never passed off as clean: the
result says so (`clean=False`) with a `problem` a person can act on, and the
text holds U+FFFD where bytes could not be read, so the caller can keep the
bytes and hold the item for a person.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

import legacy_japanese.variants  # noqa: F401 - registers cp51932, eucjp_ms, iso2022_jp_ms

EUC_JP = ("euc_jp", "cp51932", "eucjp_ms", "euc_jis_2004")
SHIFT_JIS = ("cp932", "shift_jis_2004")
ISO_2022_JP = ("iso2022_jp_ext", "iso2022_jp_ms", "iso2022_jp_3")
FAMILIES = {"utf-8": ("utf-8",), "euc_jp": EUC_JP, "cp932": SHIFT_JIS, "iso2022_jp": ISO_2022_JP}
# Tried after the declared charsets, in this order (earlier wins a tie).
DETECTION_ORDER = ("utf-8", *ISO_2022_JP, *EUC_JP, *SHIFT_JIS)
LEGACY_ORDER = (*EUC_JP, *SHIFT_JIS)

# Declared names, lower-cased, and the codec each stands for. A name of a
# family (EUC-JP) gives the family; a variant's name gives that variant first.
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
    "shift_jis-2004": "shift_jis_2004",
    "shift_jisx0213": "shift_jis_2004",
    "euc": "euc_jp",
    "eucjp": "euc_jp",
    "euc-jp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "ujis": "euc_jp",
    "euc-jis-2004": "euc_jis_2004",
    "euc-jisx0213": "euc_jis_2004",
    "jis": "iso2022_jp_ext",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "iso-2022-jp-3": "iso2022_jp_3",
    "iso-2022-jp-2004": "iso2022_jp_3",
    "utf8": "utf-8",
    "utf-8": "utf-8",
}
LABELS = {
    "utf-8": "UTF-8",
    "euc_jp": "EUC-JP",
    "cp51932": "EUC-JP (CP51932)",
    "eucjp_ms": "EUC-JP (eucJP-ms)",
    "euc_jis_2004": "EUC-JIS-2004",
    "cp932": "Shift_JIS (CP932)",
    "shift_jis_2004": "Shift_JIS-2004",
    "iso2022_jp_ext": "ISO-2022-JP",
    "iso2022_jp_ms": "ISO-2022-JP (CP50221)",
    "iso2022_jp_3": "ISO-2022-JP-2004",
}


class RefusedCharsetError(ValueError):
    """The text declares a charset that is refused (UTF-7 smuggles markup past filters)."""


@dataclass(frozen=True)
class Decoded:
    fields: dict[str, str]
    charset: str
    # False when no candidate read the bytes cleanly: the text then holds U+FFFD
    # where bytes could not be read, and `problem` says what went wrong.
    clean: bool = True
    problem: str = ""


def label(codec: str) -> str:
    """A codec's name as people know it (EUC-JP (CP51932), Shift_JIS (CP932), ...)."""
    return LABELS.get(codec, codec)


def _codec_name(name: str) -> str | None:
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return None
    if codec.name == "utf-7":
        raise RefusedCharsetError(name)
    return codec.name


def charset_candidates(name: str | None) -> tuple[str, ...]:
    """The codecs a declared charset name stands for, most likely first; () if unknown.

    Raises `RefusedCharsetError` for UTF-7.
    """
    if not name:
        return ()
    name = name.strip().strip("\"'").lower()
    if not name:
        return ()
    codec = _codec_name(ALIASES.get(name, name))
    if codec is None:
        return ()
    codec = {
        "shift_jis": "cp932",
        "iso2022_jp": "iso2022_jp_ext",
        "iso2022_jp_2004": "iso2022_jp_3",
    }.get(codec, codec)
    for family in FAMILIES.values():
        if codec in family:
            return (codec, *(member for member in family if member != codec))
    return (codec,)


def normalize_charset(name: str | None) -> str | None:
    """The first codec a declared charset stands for, or None if it is unknown."""
    candidates = charset_candidates(name)
    return candidates[0] if candidates else None


# Scoring ------------------------------------------------------------------------------------


def _char_score(char: str) -> int:
    code = ord(char)
    if code < 0x80:
        if code < 0x20 and char not in "\t\n\r":
            return -5
        return 1
    if 0x3040 <= code <= 0x30FF:  # hiragana, katakana
        return 3
    if (
        0x4E00 <= code <= 0x9FFF  # kanji
        or 0x3000 <= code <= 0x303F  # Japanese punctuation
        or 0xFF01 <= code <= 0xFF5E  # full-width forms
        # What Windows added, and JIS X 0213: as good as a kanji, so that a reading
        # with these ties with one that makes them other kanji, and the order decides.
        or 0x2150 <= code <= 0x218F  # Roman numerals
        or 0x2460 <= code <= 0x24FF  # circled numbers (①)
        or 0x3200 <= code <= 0x33FF  # ㈱ ㍻ and other enclosed and squared CJK
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs (﨑)
        or 0x20000 <= code <= 0x2FFFF  # CJK extensions B and later
    ):
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


# Decoding fields ----------------------------------------------------------------------------


# C1 control characters are in no one's text: eucJP-ms and cp932 define some
# for completeness, so a reading that yields them is no reading.
_C1_CONTROL = re.compile("[\x80-\x9f]")


def _strict(raw: bytes, charset: str) -> str | None:
    if charset.startswith("iso2022") and not raw.isascii():
        return None  # 7-bit only; saves reading a long page byte by byte
    try:
        text = raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None
    if _C1_CONTROL.search(text):
        return None
    return text.removeprefix("\ufeff")


def first_undecodable(raw: bytes, charset: str) -> int | None:
    """The offset of the first byte `charset` cannot read as text, or None if it reads them all."""
    try:
        text = raw.decode(charset)
    except UnicodeDecodeError as exc:
        return exc.start
    control = _C1_CONTROL.search(text)
    if control is None:
        return None
    return len(text[: control.start()].encode(charset))


def _declared_candidates(declared: Iterable[str | None]) -> list[str]:
    candidates: list[str] = []
    for name in declared:
        for charset in charset_candidates(name):
            if charset not in candidates:
                candidates.append(charset)
    return candidates


def decode_fields(raw_fields: dict[str, bytes], declared: Iterable[str | None]) -> Decoded:
    """Decode the byte values of `raw_fields` with one charset chosen for all of them.

    `declared` lists the declared charsets, most trusted first (a form field,
    then the Content-Type parameter). Raises `RefusedCharsetError` for UTF-7.
    """
    declared_candidates = _declared_candidates(declared)
    joined = b"".join(raw_fields.values())
    if joined.isascii() and b"\x1b" not in joined:
        charset = declared_candidates[0] if declared_candidates else "utf-8"
        return Decoded({k: v.decode("ascii") for k, v in raw_fields.items()}, charset)
    candidates = [*declared_candidates]
    candidates += [charset for charset in DETECTION_ORDER if charset not in candidates]
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
        score, minus_rank, charset, decoded = best
        if not declared_candidates or -minus_rank < len(declared_candidates) or score >= 0:
            return Decoded(decoded, charset)
        # The declared charset does not read it and the only reading is garbage.
        problem = _(
            "Declared as %(declared)s, which cannot read it; read as %(other)s it is not text."
        ) % {"declared": label(declared_candidates[0]), "other": label(charset)}
        return _best_effort(raw_fields, declared_candidates, problem)
    return _best_effort(raw_fields, candidates, _undecodable_problem(raw_fields, candidates))


def _possible(raw_fields: dict[str, bytes], candidates: list[str]) -> list[str]:
    """The candidates worth naming: ISO-2022-JP is 7-bit, so not for 8-bit bytes."""
    seven_bit = all(value.isascii() for value in raw_fields.values())
    return [c for c in candidates if seven_bit or not c.startswith("iso2022")]


def _undecodable_problem(raw_fields: dict[str, bytes], candidates: list[str]) -> str:
    candidates = _possible(raw_fields, candidates)
    tried = ", ".join(label(c) for c in candidates)
    for key, value in raw_fields.items():
        offsets = [first_undecodable(value, c) for c in candidates]
        offsets = [o for o in offsets if o is not None]
        if offsets and all(first_undecodable(value, c) is not None for c in candidates):
            where = max(offsets)
            return _(
                "No character set reads the %(field)s (at byte %(offset)d: %(bytes)s); "
                "tried %(tried)s."
            ) % {
                "field": key.replace("_", " "),
                "offset": where,
                "bytes": value[where : where + 4].hex(" ").upper(),
                "tried": tried,
            }
    return _("No one character set reads every field; tried %(tried)s.") % {"tried": tried}


def _best_effort(raw_fields: dict[str, bytes], candidates: list[str], problem: str) -> Decoded:
    """The reading with the fewest unreadable bytes (marked U+FFFD), flagged as not clean."""

    def read(value: bytes, charset: str) -> str:
        text = value.decode(charset, "replace").removeprefix("\ufeff")
        return _C1_CONTROL.sub("\ufffd", text)

    def damage(charset: str) -> int:
        return sum(read(value, charset).count("\ufffd") for value in raw_fields.values())

    charset = min(_possible(raw_fields, candidates), key=damage)
    fields = {key: read(value, charset) for key, value in raw_fields.items()}
    return Decoded(fields, charset, clean=False, problem=problem)


# Fetched documents --------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


def read_document(body: bytes, declared: str | None = None) -> Decoded:
    """Decode a fetched HTML page: the HTTP charset, then `<meta charset>`, then detection.

    The result's single field is `"body"`.
    """
    names = [declared]
    match = _META_CHARSET.search(body[:4096])
    if match:
        names.append(match.group(1).decode("ascii"))
    usable = []
    for name in names:
        try:
            usable.append(name if charset_candidates(name) else None)
        except RefusedCharsetError:
            continue
    return decode_fields({"body": body}, usable)


def decode_document(body: bytes, declared: str | None = None) -> str:
    return read_document(body, declared).fields["body"]


# Whole files --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileGuess:
    encoding: str
    # Places in the file that `encoding` could not read (0 for a clean guess).
    unreadable: int = 0


def guess_file_encoding(
    stream: BinaryIO, candidates: Iterable[str] = DETECTION_ORDER, chunk_size: int = 1 << 16
) -> FileGuess:
    """Guess which of `candidates` a whole file is in (by default every encoding known here).

    UTF-8 wins when it reads the file, or all but a few stray bytes of it.
    ISO-2022-JP wins a 7-bit file with its escapes that it reads cleanly.
    Otherwise the other candidates read the whole stream; the one that reads
    most like text wins (each unreadable place counts against it), then the
    one with fewer unreadable places, then the earlier. Reads the stream to
    its end.
    """
    candidates = list(candidates)
    iso = {
        name: codecs.getincrementaldecoder(name)("strict")
        for name in candidates
        if name.startswith("iso2022")
    }
    others = [name for name in candidates if name != "utf-8" and name not in iso]
    legacy = {name: codecs.getincrementaldecoder(name)("replace") for name in others}
    utf8 = codecs.getincrementaldecoder("utf-8")("replace")
    unreadable = dict.fromkeys(others, 0)
    scores = dict.fromkeys(others, 0)
    non_ascii = bad = sampled = 0
    escapes = eight_bit = False
    while chunk := stream.read(chunk_size):
        text = utf8.decode(chunk)
        if not text.isascii():
            non_ascii += len(text) - len(text.encode("ascii", "ignore"))
            bad += text.count("\ufffd")
        escapes = escapes or b"\x1b$" in chunk
        eight_bit = eight_bit or not chunk.isascii()
        for name in list(iso):
            try:
                iso[name].decode(chunk)
            except UnicodeDecodeError:
                del iso[name]
        for name, decoder in legacy.items():
            decoded = decoder.decode(chunk)
            unreadable[name] += decoded.count("\ufffd")
            if sampled < (1 << 20) and not decoded.isascii():
                scores[name] += text_score(decoded)
        sampled += len(chunk)
    bad += utf8.decode(b"", final=True).count("\ufffd")
    for name in list(iso):
        try:
            iso[name].decode(b"", final=True)
        except UnicodeDecodeError:
            del iso[name]
    if iso and (escapes or "utf-8" not in candidates) and not eight_bit:
        return FileGuess(next(name for name in candidates if name in iso))
    if "utf-8" in candidates and bad <= max(2, non_ascii // 100):
        return FileGuess("utf-8", bad)
    for name, decoder in legacy.items():
        unreadable[name] += decoder.decode(b"", final=True).count("\ufffd")
    if not others:
        return FileGuess(candidates[0], bad)
    # Unreadable bytes count against a reading's score: a reading with a few is
    # better than a clean one that is not text (EUC-JP read as Shift_JIS, say).
    best = min(others, key=lambda name: (-scores[name], unreadable[name], others.index(name)))
    if "utf-8" in candidates and unreadable[best] >= bad:
        # Nothing reads it better than UTF-8: its bad entries are reported one by one.
        return FileGuess("utf-8", bad)
    return FileGuess(best, unreadable[best])


def encodings_that_read(raw: bytes, candidates: Iterable[str] = DETECTION_ORDER) -> list[str]:
    """The candidates that read `raw` cleanly and as text, best first."""
    readings = []
    for rank, charset in enumerate(candidates):
        text = _strict(raw, charset)
        if text is not None:
            readings.append((-text_score(text), rank, charset))
    return [charset for score, _rank, charset in sorted(readings) if score <= 0]
