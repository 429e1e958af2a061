"""Codecs for the Japanese encodings Windows-era software wrote and Python lacks.

Python's `euc_jp` and `iso2022_jp*` codecs follow the JIS standards, which
leave out what Japanese text written on Windows is full of: NEC's row 13
(①②③ ㈱ ㍻ and the Roman numerals) and the IBM extension kanji (髙 﨑 ...). Importing this
module registers three codecs that read and write them:

- `cp51932` (also `windows-51932`): Microsoft's EUC-JP, what Internet
  Explorer and Windows software sent as "EUC-JP". It is JIS X 0208 with NEC
  row 13 and the NEC-selected IBM extensions (rows 89-92) in EUC form, and
  half-width katakana. It is built from Python's `cp932` codec (Microsoft's
  published CP932 table) through the fixed relation between Shift_JIS and EUC
  codes: both spell the same JIS row and cell.
- `eucjp_ms` (also `eucjp-win`, `euc-jp-ms`): eucJP-ms, the EUC-JP of Unix
  software that agreed with Windows: row 13, the IBM extensions in the
  JIS X 0212 plane (0x8FF3F3-0x8FF4FE), the user-defined areas as private
  use. It is Python's `euc_jp` plus the differences in `data/eucjp-ms.txt`,
  generated from glibc's EUC-JP-MS character map and converter (see
  `build_tables`); the second spellings old text has are read, never written.
- `iso2022_jp_ms` (also `cp50220`, `cp50221`, `cp50222`): ISO-2022-JP as
  Windows mail and browsers wrote it: its JIS X 0208 set has row 13 and the
  NEC-selected IBM extensions, and half-width katakana come by `ESC ( I` or
  SO/SI. Encoding writes CP50221's form.
- `iso2022_jp_3`: JIS X 0213 in ISO-2022-JP as either edition announced it
  (Python's `iso2022_jp_2004` reads only the 2004 escape); writes the 2004 one.

Decoding is Python's own C codec wherever it agrees, with the extensions
filled in through a codec error handler, so a large file decodes at C speed.
The tests check every character of these tables both ways against glibc's
iconv and the WHATWG decoders in Node.js.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Callable
from pathlib import Path

TABLE_FILE = Path(__file__).with_name("data") / "eucjp-ms.txt"

# The JIS characters that Microsoft's tables map to other code points than the
# JIS standard (and Python's euc_jp) does: WAVE DASH, DOUBLE VERTICAL LINE,
# MINUS SIGN, CENT, POUND, NOT SIGN, BROKEN BAR.
MICROSOFT_SPELLINGS = str.maketrans(
    {
        "\u301c": "\uff5e",
        "\u2016": "\u2225",
        "\u2212": "\uff0d",
        "\u00a2": "\uffe0",
        "\u00a3": "\uffe1",
        "\u00ac": "\uffe2",
        "\u00a6": "\uffe4",
    }
)
_SJIS_LEADS = (*range(0x81, 0xA0), *range(0xE0, 0xF0))
_SJIS_TRAILS = (*range(0x40, 0x7F), *range(0x80, 0xFD))


def sjis_to_euc(raw: bytes) -> bytes | None:
    """The EUC-JP spelling of a two-byte Shift_JIS code (same JIS row and cell), if it has one."""
    lead, trail = raw
    if lead not in _SJIS_LEADS or trail not in _SJIS_TRAILS:
        return None
    row = (lead - (0x81 if lead < 0xA0 else 0xC1)) * 2 + 1
    if trail >= 0x9F:
        row, cell = row + 1, trail - 0x9E
    else:
        cell = trail - (0x40 if trail < 0x7F else 0x41) + 1
    return bytes([row + 0xA0, cell + 0xA0])


def euc_length(lead: int) -> int:
    """How many bytes an EUC-JP character starting with `lead` takes."""
    if lead == 0x8F:
        return 3
    if lead == 0x8E or 0xA1 <= lead <= 0xFE:
        return 2
    return 1


@functools.cache
def cp51932_table() -> dict[bytes, str]:
    """Every two-byte CP51932 character, from Python's cp932 (Microsoft's CP932.TXT)."""
    table: dict[bytes, str] = {}
    for lead in _SJIS_LEADS:
        for trail in _SJIS_TRAILS:
            sjis = bytes([lead, trail])
            try:
                char = sjis.decode("cp932")
            except UnicodeDecodeError:
                continue
            euc = sjis_to_euc(sjis)
            if euc is not None and euc[0] <= 0xFE:
                table[euc] = char
    for byte in range(0xA1, 0xE0):
        table[bytes([0x8E, byte])] = bytes([byte]).decode("cp932")
    return table


@functools.cache
def eucjp_ms_table() -> tuple[dict[bytes, str], dict[bytes, str], frozenset[bytes]]:
    """eucJP-ms as `data/eucjp-ms.txt` gives it against Python's euc_jp.

    Returns (the characters it adds or spells differently, the second
    spellings it reads but never writes, the sequences it leaves undefined).
    """
    added: dict[bytes, str] = {}
    read_only: dict[bytes, str] = {}
    undefined: set[bytes] = set()
    for line in TABLE_FILE.read_text(encoding="ascii").splitlines():
        if not line or line.startswith("#"):
            continue
        spelled, code, *flags = line.split()
        raw = bytes.fromhex(spelled)
        if code == "-":
            undefined.add(raw)
        elif flags == ["read-only"]:
            read_only[raw] = chr(int(code[2:], 16))
        else:
            added[raw] = chr(int(code[2:], 16))
    return added, read_only, frozenset(undefined)


def character_end(data: bytes, start: int) -> int:
    """Where the EUC character starting at `start` ends: an ASCII byte never belongs to it.

    A lead byte followed by an ASCII letter or a line feed is an unreadable
    character of its own, and what follows is read as itself (as Python's
    euc_jp, glibc and the WHATWG decoders read it).
    """
    end = start + 1
    last = min(start + euc_length(data[start]), len(data))
    while end < last and data[end] >= 0x80:
        end += 1
    return end


def _raise_or_handle(errors: str, exc: UnicodeError) -> tuple[str | bytes, int]:
    return codecs.lookup_error(errors)(exc)


class EucVariant:
    """An EUC-JP variant: Python's euc_jp, with extensions, exclusions and Microsoft spellings."""

    def __init__(
        self,
        name: str,
        extensions: Callable[[], dict[bytes, str]],
        overridden: Callable[[bytes], list[tuple[int, int, str | None]]],
        read_only: Callable[[], dict[bytes, str]] = dict,
    ) -> None:
        self.name = name
        self._extensions = extensions  # what euc_jp cannot read
        self._overridden = overridden  # spans euc_jp reads otherwise: (start, end, char or None)
        self._read_only = read_only  # second spellings, never written

    def _handler_name(self, errors: str) -> str:
        """An error handler for euc_jp that reads this variant's extensions, else does `errors`."""
        handler = f"legacy-japanese-{self.name}-{errors}"
        try:
            codecs.lookup_error(handler)
        except LookupError:
            fallback = codecs.lookup_error(errors)

            def extend(exc: UnicodeError) -> tuple[str | bytes, int]:
                if not isinstance(exc, UnicodeDecodeError):
                    raise exc
                start = exc.start
                end = character_end(exc.object, start)
                char = self._extensions().get(bytes(exc.object[start:end]))
                if char is not None:
                    return char, end
                return fallback(
                    UnicodeDecodeError(
                        self.name, exc.object, start, end, f"undefined in {self.name}"
                    )
                )

            codecs.register_error(handler, extend)
        return handler

    def decode(self, data: bytes, errors: str = "strict") -> tuple[str, int]:
        data = bytes(data)
        handler = self._handler_name(errors)
        pieces: list[str] = []
        position = 0
        for start, end, char in self._overridden(data):
            if start < position:
                continue
            pieces.append(data[position:start].decode("euc_jp", handler))
            if char is not None:
                pieces.append(char)
                position = end
                continue
            exc = UnicodeDecodeError(self.name, data, start, end, f"undefined in {self.name}")
            replacement, position = _raise_or_handle(errors, exc)
            pieces.append(str(replacement))
        pieces.append(data[position:].decode("euc_jp", handler))
        return "".join(pieces).translate(MICROSOFT_SPELLINGS), len(data)

    @functools.cached_property
    def decoding_table(self) -> dict[bytes, str]:
        """Every byte sequence this variant defines, with its character."""
        table: dict[bytes, str] = {}
        high = range(0xA1, 0xFF)
        sequences = [
            *(bytes([b]) for b in range(0x100) if b not in (0x8E, 0x8F)),
            *(bytes([0x8E, b]) for b in high),
            *(bytes([lead, trail]) for lead in high for trail in high),
            *(bytes([0x8F, lead, trail]) for lead in high for trail in high),
        ]
        for raw in sequences:
            try:
                table[raw] = self.decode(raw)[0]
            except UnicodeDecodeError:
                continue
        return table

    @functools.cached_property
    def encoding_table(self) -> dict[str, bytes]:
        table: dict[str, bytes] = {}
        read_only = self._read_only()
        for raw, char in self.decoding_table.items():
            if raw not in read_only:
                table.setdefault(char, raw)
        return table

    def encode(self, text: str, errors: str = "strict") -> tuple[bytes, int]:
        return _encode_by_table(self.name, self.encoding_table, text, errors), len(text)


def _encode_by_table(name: str, table: dict[str, bytes], text: str, errors: str) -> bytes:
    out = bytearray()
    position = 0
    while position < len(text):
        raw = table.get(text[position])
        if raw is not None:
            out += raw
            position += 1
            continue
        exc = UnicodeEncodeError(name, text, position, position + 1, f"not in {name}")
        replacement, position = _raise_or_handle(errors, exc)
        if isinstance(replacement, str):
            replacement = _encode_by_table(name, table, replacement, "strict")
        out += replacement
    return bytes(out)


def _cp51932_extensions() -> dict[bytes, str]:
    return cp51932_table()


def _cp51932_overridden(data: bytes) -> list[tuple[int, int, str | None]]:
    # CP51932 has no JIS X 0212: every SS3 (0x8F) sequence is undefined.
    spans, start = [], data.find(b"\x8f")
    while start != -1:
        end = character_end(data, start)
        spans.append((start, end, None))
        start = data.find(b"\x8f", end)
    return spans


def _eucjp_ms_extensions() -> dict[bytes, str]:
    added, read_only, _undefined = eucjp_ms_table()
    return {**added, **read_only}


@functools.cache
def _eucjp_ms_overrides() -> dict[bytes, str | None]:
    """Sequences euc_jp reads, but eucJP-ms reads otherwise or not at all (all in JIS X 0212)."""
    added, read_only, undefined = eucjp_ms_table()
    overrides: dict[bytes, str | None] = dict.fromkeys(undefined)
    for raw, char in {**added, **read_only}.items():
        try:
            raw.decode("euc_jp")
        except UnicodeDecodeError:
            continue
        if char.translate(MICROSOFT_SPELLINGS) != raw.decode("euc_jp").translate(
            MICROSOFT_SPELLINGS
        ):
            overrides[raw] = char
    # 0x8F only ever starts a character, so finding these sequences is exact.
    assert all(raw[0] == 0x8F for raw in overrides)
    return overrides


def _eucjp_ms_overridden(data: bytes) -> list[tuple[int, int, str | None]]:
    if b"\x8f" not in data:
        return []
    spans = []
    for raw, char in _eucjp_ms_overrides().items():
        start = data.find(raw)
        while start != -1:
            spans.append((start, start + len(raw), char))
            start = data.find(raw, start + len(raw))
    return sorted(spans)


CP51932 = EucVariant("cp51932", _cp51932_extensions, _cp51932_overridden)
EUCJP_MS = EucVariant(
    "eucjp_ms", _eucjp_ms_extensions, _eucjp_ms_overridden, lambda: eucjp_ms_table()[1]
)


@functools.cache
def _cp51932_encoding_table() -> dict[str, bytes]:
    """Microsoft's choice among duplicates: the code cp932 writes where it has an EUC spelling.

    cp932 writes IBM extension kanji in its rows 115-119, which EUC cannot
    spell; their only EUC spelling is the NEC-selected twin in rows 89-92.
    """
    table: dict[str, bytes] = {}
    by_char: dict[str, list[bytes]] = {}
    for raw, char in CP51932.decoding_table.items():
        by_char.setdefault(char, []).append(raw)
    for char, spellings in by_char.items():
        preferred = None
        if len(spellings) > 1:
            try:
                sjis = char.encode("cp932")
            except UnicodeEncodeError:
                sjis = b""
            euc = sjis_to_euc(sjis) if len(sjis) == 2 else None
            if euc in spellings:
                preferred = euc
        table[char] = preferred or spellings[0]
    return table


def _cp51932_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return _encode_by_table("cp51932", _cp51932_encoding_table(), text, errors), len(text)


# ISO-2022-JP as Windows wrote it -------------------------------------------------------------

ASCII, ROMAN, KANA, JIS0208 = "ascii", "roman", "kana", "jis0208"
_ESCAPES = {
    b"\x1b(B": ASCII,
    b"\x1b(J": ROMAN,
    b"\x1b(H": ROMAN,
    b"\x1b(I": KANA,
    b"\x1b$@": JIS0208,
    b"\x1b$B": JIS0208,
    b"\x1b&@\x1b$B": JIS0208,
}
_LONGEST_ESCAPE = max(map(len, _ESCAPES))


def _decode_iso2022(
    data: bytes, errors: str, mode: str, shifted: bool, final: bool
) -> tuple[str, int, str, bool]:
    """Decode from `mode`; returns (text, bytes consumed, mode, shifted out to kana)."""
    table = cp51932_table()
    out: list[str] = []
    position, size = 0, len(data)
    while position < size:
        byte = data[position]
        if byte == 0x1B:
            for escape, new_mode in _ESCAPES.items():
                if data.startswith(escape, position):
                    mode, shifted = new_mode, False
                    position += len(escape)
                    break
            else:
                if not final and size - position < _LONGEST_ESCAPE:
                    break
                exc = UnicodeDecodeError(
                    "iso2022_jp_ms", data, position, position + 1, "unknown escape sequence"
                )
                replacement, position = _raise_or_handle(errors, exc)
                out.append(str(replacement))
            continue
        if byte in (0x0A, 0x0D):  # a line end keeps the mode, as Python's iso2022_jp reads it
            out.append(chr(byte))
            position += 1
            continue
        if byte == 0x0E:  # SO: half-width katakana until SI (CP50222)
            shifted = True
            position += 1
            continue
        if byte == 0x0F:
            shifted = False
            position += 1
            continue
        if (shifted or mode == KANA) and 0x21 <= byte <= 0x5F:
            out.append(chr(0xFF61 + byte - 0x21))
            position += 1
            continue
        if mode == JIS0208 and not shifted:
            if position + 1 >= size and not final and 0x21 <= byte <= 0x7E:
                break
            char = None
            if 0x21 <= byte <= 0x7E and position + 1 < size:
                char = table.get(bytes([byte | 0x80, data[position + 1] | 0x80]))
                if not 0x21 <= data[position + 1] <= 0x7E:
                    char = None
            if char is not None:
                out.append(char)
                position += 2
                continue
            end = min(position + 2, size) if 0x21 <= byte <= 0x7E else position + 1
            exc = UnicodeDecodeError("iso2022_jp_ms", data, position, end, "not in JIS X 0208")
            replacement, position = _raise_or_handle(errors, exc)
            out.append(str(replacement))
            continue
        if byte < 0x80 and not (mode == KANA or shifted):
            if mode == ROMAN and byte in (0x5C, 0x7E):
                out.append("\u00a5" if byte == 0x5C else "\u203e")
            else:
                out.append(chr(byte))
            position += 1
            continue
        exc = UnicodeDecodeError("iso2022_jp_ms", data, position, position + 1, "not 7-bit")
        replacement, position = _raise_or_handle(errors, exc)
        out.append(str(replacement))
    return "".join(out), position, mode, shifted


def iso2022_jp_ms_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    text, consumed, _mode, _shifted = _decode_iso2022(bytes(data), errors, ASCII, False, True)
    return text, consumed


def _iso2022_encode(text: str, errors: str, mode: str) -> tuple[bytes, str]:
    table = _cp51932_encoding_table()
    out = bytearray()
    position = 0
    while position < len(text):
        char = text[position]
        code = ord(char)
        if code < 0x80:
            want, raw = ASCII, bytes([code])
        elif 0xFF61 <= code <= 0xFF9F:
            want, raw = KANA, bytes([code - 0xFF61 + 0x21])
        else:
            euc = table.get(char)
            if euc is not None and len(euc) == 2 and euc[0] != 0x8E:
                want, raw = JIS0208, bytes([euc[0] & 0x7F, euc[1] & 0x7F])
            else:
                exc = UnicodeEncodeError(
                    "iso2022_jp_ms", text, position, position + 1, "not in CP50221"
                )
                replacement, position = _raise_or_handle(errors, exc)
                if isinstance(replacement, str):
                    replacement, mode = _iso2022_encode(replacement, "strict", mode)
                out += replacement
                continue
        if want != mode:
            out += {ASCII: b"\x1b(B", KANA: b"\x1b(I", JIS0208: b"\x1b$B"}[want]
            mode = want
        out += raw
        position += 1
    return bytes(out), mode


def iso2022_jp_ms_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    raw, mode = _iso2022_encode(text, errors, ASCII)
    return raw + (b"\x1b(B" if mode != ASCII else b""), len(text)


# ISO-2022-JP-3: JIS X 0213 in ISO-2022-JP, either edition -----------------------------------

# Python's iso2022_jp_2004 reads plane 1 only as announced by the 2004 edition
# (ESC $ ( Q); what glibc and other software of the 2000 edition wrote says
# ESC $ ( O. The 2004 plane 1 is the 2000 one plus ten characters.
_JISX0213_2000_PLANE_1 = b"\x1b$(O"


def iso2022_jp_3_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    data = bytes(data)
    return data.replace(_JISX0213_2000_PLANE_1, b"\x1b$(Q").decode("iso2022_jp_2004", errors), len(
        data
    )


def iso2022_jp_3_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return text.encode("iso2022_jp_2004", errors), len(text)


class _Iso2022Jp3IncrementalDecoder(codecs.BufferedIncrementalDecoder):
    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self._inner = codecs.getincrementaldecoder("iso2022_jp_2004")(errors)

    def _buffer_decode(self, data, errors, final):
        data = bytes(data)
        cut = len(data) if final else data.rfind(b"\n") + 1
        piece = data[:cut].replace(_JISX0213_2000_PLANE_1, b"\x1b$(Q")
        return self._inner.decode(piece, final), cut

    def reset(self) -> None:
        super().reset()
        self._inner.reset()


# Registration --------------------------------------------------------------------------------


class _EucIncrementalDecoder(codecs.BufferedIncrementalDecoder):
    variant: EucVariant

    def _buffer_decode(self, data, errors, final):
        data = bytes(data)
        if not final:
            # An ASCII byte is never part of a multibyte EUC character: decode up to the last one.
            cut = len(data)
            while cut and data[cut - 1] >= 0x80:
                cut -= 1
            data = data[:cut]
        return self.variant.decode(data, errors)


class _Iso2022IncrementalDecoder(codecs.BufferedIncrementalDecoder):
    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self.mode, self.shifted = ASCII, False

    def _buffer_decode(self, data, errors, final):
        text, consumed, self.mode, self.shifted = _decode_iso2022(
            bytes(data), errors, self.mode, self.shifted, final
        )
        return text, consumed

    def reset(self) -> None:
        super().reset()
        self.mode, self.shifted = ASCII, False


class _Iso2022IncrementalEncoder(codecs.IncrementalEncoder):
    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self.mode = ASCII

    def encode(self, text: str, final: bool = False) -> bytes:
        raw, self.mode = _iso2022_encode(text, self.errors, self.mode)
        if final and self.mode != ASCII:
            raw, self.mode = raw + b"\x1b(B", ASCII
        return raw

    def reset(self) -> None:
        self.mode = ASCII


def _codec_info(
    name: str, encode, decode, incremental_decoder: type, incremental_encoder: type | None = None
) -> codecs.CodecInfo:
    if incremental_encoder is None:

        class incremental_encoder(codecs.IncrementalEncoder):
            def encode(self, text, final=False):
                return encode(text, self.errors)[0]

    class stream_writer(codecs.StreamWriter):
        def encode(self, text, errors="strict"):
            return encode(text, errors)

    class stream_reader(codecs.StreamReader):
        def decode(self, data, errors="strict"):
            return decode(data, errors)

    return codecs.CodecInfo(
        name=name,
        encode=encode,
        decode=decode,
        incrementalencoder=incremental_encoder,
        incrementaldecoder=incremental_decoder,
        streamreader=stream_reader,
        streamwriter=stream_writer,
    )


def _euc_decoder_class(variant: EucVariant) -> type:
    return type(f"{variant.name}_decoder", (_EucIncrementalDecoder,), {"variant": variant})


CODECS = {
    "cp51932": _codec_info("cp51932", _cp51932_encode, CP51932.decode, _euc_decoder_class(CP51932)),
    "eucjp_ms": _codec_info(
        "eucjp_ms", EUCJP_MS.encode, EUCJP_MS.decode, _euc_decoder_class(EUCJP_MS)
    ),
    "iso2022_jp_ms": _codec_info(
        "iso2022_jp_ms",
        iso2022_jp_ms_encode,
        iso2022_jp_ms_decode,
        _Iso2022IncrementalDecoder,
        _Iso2022IncrementalEncoder,
    ),
    "iso2022_jp_3": _codec_info(
        "iso2022_jp_3",
        iso2022_jp_3_encode,
        iso2022_jp_3_decode,
        _Iso2022Jp3IncrementalDecoder,
        codecs.getincrementalencoder("iso2022_jp_2004"),
    ),
}
ALIASES = {
    "windows_51932": "cp51932",
    "euc_jp_ms": "eucjp_ms",
    "eucjpms": "eucjp_ms",
    "eucjp_win": "eucjp_ms",
    "eucjp_open": "eucjp_ms",
    "cp50220": "iso2022_jp_ms",
    "cp50221": "iso2022_jp_ms",
    "cp50222": "iso2022_jp_ms",
    "iso_2022_jp_ms": "iso2022_jp_ms",
    "iso2022jp_ms": "iso2022_jp_ms",
    "iso_2022_jp_3": "iso2022_jp_3",
    "iso2022jp_3": "iso2022_jp_3",
}


def _search(name: str) -> codecs.CodecInfo | None:
    key = name.lower().replace("-", "_").replace(" ", "_")
    return CODECS.get(ALIASES.get(key, key))


codecs.register(_search)
