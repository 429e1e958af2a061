"""The codecs of `legacy_japanese.variants`, character by character, against other implementations.

What is checked, and against what:

- `eucjp_ms` against glibc's `iconv` command (`EUC-JP-MS`): every byte sequence an
  EUC-JP decoder can meet (one byte; 0x8E and a byte; two bytes 0xA1-0xFE; 0x8F and
  two bytes) decodes to what iconv gives, or is refused where iconv refuses it: the
  15,212 spellings of glibc's charmap and the 24 second spellings its converter reads
  besides (NEC row 13 copies of row 2, IBM copies of row 13, two JIS X 0212 codes);
  every character encodes to its one charmap spelling, as iconv encodes it, a second
  spelling being read, never written; and over the whole Basic Multilingual Plane,
  the encoder writes what iconv writes and refuses what iconv refuses (but for
  iconv's one-way fallbacks). Where glibc's own charmap file is installed, what the
  codec writes is exactly its entries, and what it reads besides is exactly the 24.
- `cp51932` against Node.js's `TextDecoder("euc-jp")` (the WHATWG Encoding API, which
  Node implements with ICU): every one- and two-byte sequence decodes the same, and
  every character encodes back, picking Microsoft's (cp932's) spelling where two
  codes spell one character.
- `iso2022_jp_ms` against Node.js's `TextDecoder("iso-2022-jp")`: every JIS X 0208
  row and cell (rows 13 and 89-92 included) and the half-width katakana decode the
  same, and what the encoder writes reads back in Node as the text encoded.
- All three: incremental decoding one byte at a time, errors (offsets, replacement;
  an ASCII byte after a bad lead byte is read as itself; a line end in ISO-2022-JP's
  two-byte or katakana mode is kept, and so is the mode), and the names the codecs
  are looked up by.

Each difference from the other implementation that is known and accepted is listed
here, sequence by sequence, so that any new one fails. The tests that need `iconv`
or `node` skip when the program is absent, except on CI (`CI` set), where they fail.
"""

# ruff: noqa: RUF001, RUF003 (look-alike characters are what these codecs are about)

from __future__ import annotations

import bisect
import codecs
import gzip
import itertools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

import legacy_japanese.variants  # noqa: F401 - registers cp51932, eucjp_ms, iso2022_jp_ms

HIGH = range(0xA1, 0xFF)
# Every byte sequence an EUC-JP decoder can meet, one character each.
EUC_SEQUENCES = [
    *(bytes([byte]) for byte in range(0x100) if byte not in (0x8E, 0x8F)),
    *(bytes([0x8E, trail]) for trail in HIGH),
    *(bytes([lead, trail]) for lead in HIGH for trail in HIGH),
    *(bytes([0x8F, lead, trail]) for lead in HIGH for trail in HIGH),
]
# Every JIS X 0208 row and cell as ISO-2022-JP spells it.
JIS_ROWS_CELLS = [(row, cell) for row in range(1, 95) for cell in range(1, 95)]
HALF_WIDTH_KATAKANA = "".join(chr(code) for code in range(0xFF61, 0xFFA0))
SAMPLE = "Kiji: ①②③ ㈱ ㍻ Ⅰ 髙 﨑 ｶﾀｶﾅ and ASCII, ～ ∵ ≒ ￢ 漢字かなカナ.\n"

GLIBC_CHARMAP = Path("/usr/share/i18n/charmaps/EUC-JP-MS.gz")


def _by_hex(table: dict[str, str]) -> dict[bytes, str]:
    return {bytes.fromhex(spelled): char for spelled, char in table.items()}


# The second spellings of characters (NEC row 13's duplicates of row 2, the IBM
# extensions' duplicates of row 13, two JIS X 0212 codes) that glibc's converter reads
# but its charmap, one spelling per character, leaves out. eucjp_ms reads them as iconv
# does, and writes each character only as the charmap spells it.
EUCJP_MS_SECOND_SPELLINGS = _by_hex(
    {
        "8f a2 b7": "\uff5e",  # ～
        "8f a2 f1": "\u2116",  # №
        "8f f3 fd": "\u2160",  # Ⅰ
        "8f f3 fe": "\u2161",  # Ⅱ
        "8f f4 a1": "\u2162",  # Ⅲ
        "8f f4 a2": "\u2163",  # Ⅳ
        "8f f4 a3": "\u2164",  # Ⅴ
        "8f f4 a4": "\u2165",  # Ⅵ
        "8f f4 a5": "\u2166",  # Ⅶ
        "8f f4 a6": "\u2167",  # Ⅷ
        "8f f4 a7": "\u2168",  # Ⅸ
        "8f f4 a8": "\u2169",  # Ⅹ
        "8f f4 ab": "\u3231",  # ㈱
        "8f f4 ac": "\u2116",  # №
        "8f f4 ad": "\u2121",  # ℡
        "ad f0": "\u2252",  # ≒
        "ad f1": "\u2261",  # ≡
        "ad f2": "\u222b",  # ∫
        "ad f5": "\u221a",  # √
        "ad f6": "\u22a5",  # ⊥
        "ad f7": "\u2220",  # ∠
        "ad fa": "\u2235",  # ∵
        "ad fb": "\u2229",  # ∩
        "ad fc": "\u222a",  # ∪
    }
)
# Characters glibc's iconv writes in EUC-JP-MS by a one-way fallback (the JIS spellings
# of the characters eucJP-ms maps to their Microsoft forms, YEN SIGN and OVERLINE as
# ASCII); eucjp_ms encodes only what it decodes, so it refuses them.
GLIBC_ONE_WAY_ENCODINGS = {
    "\u00a2": b"\xa1\xf1",  # ¢ (eucJP-ms: ￠)
    "\u00a3": b"\xa1\xf2",  # £ (￡)
    "\u00a5": b"\x5c",  # ¥ as ASCII backslash
    "\u00a6": b"\x8f\xa2\xc3",  # ¦ (￤)
    "\u00ac": b"\xa2\xcc",  # ¬ (￢)
    "\u2014": b"\xa1\xbd",  # — (―)
    "\u2016": b"\xa1\xc2",  # ‖ (∥)
    "\u203e": b"\x7e",  # ‾ as ASCII tilde
    "\u2212": b"\xa1\xdd",  # − (－)
    "\u301c": b"\xa1\xc1",  # 〜 (～)
}
# What Node's TextDecoder("euc-jp") decodes beyond the WHATWG decoder: ICU's converter
# reads the C1 bytes and three JIS X 0201 extensions. The WHATWG decoder, like CP51932,
# refuses them.
NODE_EUC_JP_EXTRAS = {
    **{bytes([byte]): chr(byte) for byte in (*range(0x80, 0x8E), *range(0x90, 0xA0))},
    b"\x8e\xe0": "\u00a2",
    b"\x8e\xe1": "\u00a3",
    b"\x8e\xe2": "\u00ac",
}
# CP51932's characters with two spellings, and the one Microsoft's cp932 writes: row 2,
# not NEC row 13 nor the NEC-selected IBM extensions (row 92).
CP51932_DUPLICATES = {
    "\u222a": b"\xa2\xc0",  # ∪ (also 0xADFC)
    "\u2229": b"\xa2\xc1",  # ∩ (also 0xADFB)
    "\uffe2": b"\xa2\xcc",  # ￢ (also 0xFCFB)
    "\u2220": b"\xa2\xdc",  # ∠ (also 0xADF7)
    "\u22a5": b"\xa2\xdd",  # ⊥ (also 0xADF6)
    "\u2261": b"\xa2\xe1",  # ≡ (also 0xADF1)
    "\u2252": b"\xa2\xe2",  # ≒ (also 0xADF0)
    "\u221a": b"\xa2\xe5",  # √ (also 0xADF5)
    "\u2235": b"\xa2\xe8",  # ∵ (also 0xADFA)
    "\u222b": b"\xa2\xe9",  # ∫ (also 0xADF2)
}

NODE_DECODE = """
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const { encoding, inputs } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const decoder = new TextDecoder(encoding, { fatal: true });
  const decoded = inputs.map((hex) => {
    try {
      return decoder.decode(Buffer.from(hex, "hex"));
    } catch (error) {
      if (error instanceof TypeError) return null;  // not decodable
      throw error;
    }
  });
  process.stdout.write(JSON.stringify(decoded));
});
"""


# Helpers -------------------------------------------------------------------------------------


def program(name: str) -> str:
    """The path of `name`; skips the test if it is absent, or fails it on CI."""
    path = shutil.which(name)
    if path is not None:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"`{name}` is not installed, and CI must run this test", pytrace=False)
    pytest.skip(f"`{name}` is not installed")


def decode_or_none(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def defined(codec: str, sequences: Iterable[bytes]) -> dict[bytes, str]:
    """The sequences `codec` decodes, each on its own, with what it decodes them to."""
    decoded = {raw: decode_or_none(raw, codec) for raw in sequences}
    return {raw: text for raw, text in decoded.items() if text is not None}


def differences(expected: dict, got: dict) -> dict:
    """{key: (expected, got)} wherever the two disagree, with byte keys shown in hex."""
    return {
        key.hex(" ") if isinstance(key, bytes) else key: (expected.get(key), got.get(key))
        for key in expected.keys() | got.keys()
        if expected.get(key) != got.get(key)
    }


def jis_code(raw: bytes) -> bytes:
    """The EUC-JP spelling of the JIS X 0208 row and cell of a two-byte Shift_JIS code."""
    lead, trail = raw
    row = 2 * (lead - (0x81 if lead <= 0x9F else 0xC1)) + 1
    if trail >= 0x9F:
        row, cell = row + 1, trail - 0x9E
    else:
        cell = trail - 0x3F - (trail > 0x7F)
    return bytes([0xA0 + row, 0xA0 + cell])


def iso2022(row: int, cell: int) -> bytes:
    return b"\x1b$B" + bytes([0x20 + row, 0x20 + cell]) + b"\x1b(B"


def run_iconv(options: list[str], data: bytes) -> subprocess.CompletedProcess:
    return subprocess.run(
        [program("iconv"), *options],
        input=data,
        capture_output=True,
        timeout=60,
        env={**os.environ, "LC_ALL": "C"},  # its messages in English
    )


def iconv(source: str, target: str, data: bytes) -> bytes:
    """`iconv -f source -t target`, which must convert all of `data`."""
    run = run_iconv(["-f", source, "-t", target], data)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    return run.stdout


def iconv_each(source: str, target: str, items: list[bytes]) -> list[bytes | None]:
    """Each item converted by `iconv -f source -t target` on its own; None where iconv refuses it.

    In a few runs, not one per item: iconv converts the items one a line. A first run
    with -c (leave out what cannot be converted) gives an empty line for every item of
    which iconv converts nothing. The rest are converted strictly, all in one run;
    where iconv stops, the item at that position is refused and the run starts again
    without it. (glibc's -c turns some items it refuses into U+FFFD.)
    """
    assert all(b"\n" not in item for item in items)
    run = run_iconv(["-c", "-f", source, "-t", target], b"\n".join(items) + b"\n")
    lines = run.stdout.split(b"\n")
    assert len(lines) == len(items) + 1 and lines[-1] == b"", run.stderr.decode(errors="replace")

    pending = [item for item, line in zip(items, lines, strict=False) if line]
    while True:
        starts = list(itertools.accumulate((len(item) + 1 for item in pending), initial=0))
        run = run_iconv(["-f", source, "-t", target], b"".join(item + b"\n" for item in pending))
        if run.returncode == 0:
            break
        stopped = re.search(rb"illegal input sequence at position (\d+)", run.stderr)
        assert stopped, run.stderr.decode(errors="replace")
        del pending[bisect.bisect_right(starts, int(stopped[1])) - 1]

    converted = dict(zip(pending, run.stdout.split(b"\n"), strict=False))
    assert len(converted) == len(pending) == run.stdout.count(b"\n")
    return [converted.get(item) for item in items]


@cache
def glibc_eucjp_ms() -> dict[bytes, str]:
    """Every EUC sequence glibc's iconv decodes as EUC-JP-MS, with its character."""
    items = [raw for raw in EUC_SEQUENCES if raw != b"\n"]
    decoded = iconv_each("EUC-JP-MS", "UTF-8", items)
    table = {raw: text.decode("utf-8") for raw, text in zip(items, decoded, strict=True) if text}
    table[b"\n"] = iconv("EUC-JP-MS", "UTF-8", b"\n").decode("utf-8")
    return table


def node_decode(encoding: str, inputs: list[bytes]) -> list[str | None]:
    """Node's `new TextDecoder(encoding, {fatal: true})` over each input; None where it throws."""
    run = subprocess.run(
        [program("node"), "-e", NODE_DECODE],
        input=json.dumps({"encoding": encoding, "inputs": [raw.hex() for raw in inputs]}).encode(),
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    decoded = json.loads(run.stdout)
    assert len(decoded) == len(inputs)
    return decoded


@cache
def node_euc_jp() -> dict[bytes, str]:
    decoded = node_decode("euc-jp", EUC_SEQUENCES)
    return {raw: text for raw, text in zip(EUC_SEQUENCES, decoded, strict=True) if text is not None}


# eucjp_ms against glibc's iconv --------------------------------------------------------------


def test_eucjp_ms_decodes_every_sequence_as_glibc_iconv():
    """With no exception: the charmap's spellings and the 24 second spellings alike."""
    glibc = glibc_eucjp_ms()
    ours = defined("eucjp_ms", EUC_SEQUENCES)

    assert differences(glibc, ours) == {}
    assert len(ours) == 15212 + len(EUCJP_MS_SECOND_SPELLINGS) == 15236


def test_eucjp_ms_decodes_the_whole_table_as_one_text_as_glibc_iconv():
    """In one text, so that each character is read right after the others."""
    table = {raw: char for raw, char in glibc_eucjp_ms().items() if raw != b"\n"}
    assert table.items() >= EUCJP_MS_SECOND_SPELLINGS.items()
    data = b"\n".join(table)
    assert data.decode("eucjp_ms") == iconv("EUC-JP-MS", "UTF-8", data).decode("utf-8")
    assert data.decode("eucjp_ms") == "\n".join(table.values())


def test_eucjp_ms_encodes_every_character_back_as_glibc_iconv():
    """Each character as its one charmap spelling: a second spelling is read, never written."""
    decoded = defined("eucjp_ms", EUC_SEQUENCES)
    table = {raw: char for raw, char in decoded.items() if raw not in EUCJP_MS_SECOND_SPELLINGS}
    assert len(set(table.values())) == len(table) == 15212, "eucJP-ms should be one-to-one"
    assert set(decoded.values()) == set(table.values())  # each second spelling has a first

    encoded = {char: char.encode("eucjp_ms") for char in set(decoded.values())}
    assert differences({char: raw for raw, char in table.items()}, encoded) == {}

    chars = [char for char in table.values() if char != "\n"]
    text = "\n".join(chars)
    expected = b"\n".join(raw for raw in table if raw != b"\n")
    assert iconv("UTF-8", "EUC-JP-MS", text.encode("utf-8")) == expected
    assert text.encode("eucjp_ms") == expected


def test_eucjp_ms_encodes_the_basic_multilingual_plane_as_glibc_iconv():
    """Every character U+0000-U+FFFF: what iconv writes, and what it refuses."""
    chars = [chr(code) for code in range(0x10000) if code != 0x0A and not 0xD800 <= code < 0xE000]
    written = iconv_each("UTF-8", "EUC-JP-MS", [char.encode("utf-8") for char in chars])
    glibc = {char: raw for char, raw in zip(chars, written, strict=True) if raw is not None}
    ours = {}
    for char in chars:
        try:
            ours[char] = char.encode("eucjp_ms")
        except UnicodeEncodeError:
            continue

    both = ours.keys() & glibc.keys()
    assert differences({c: glibc[c] for c in both}, {c: ours[c] for c in both}) == {}
    assert differences({}, {c: ours[c] for c in ours.keys() - glibc.keys()}) == {}
    assert differences(GLIBC_ONE_WAY_ENCODINGS, {c: glibc[c] for c in glibc.keys() - ours}) == {}
    assert len(both) == 15212 - 1  # every character eucjp_ms reads but the line feed


@pytest.mark.skipif(not GLIBC_CHARMAP.exists(), reason=f"{GLIBC_CHARMAP} is not installed")
def test_eucjp_ms_writes_exactly_the_entries_of_glibcs_charmap():
    """The charmap `data/eucjp-ms.txt` was generated from, read here by its own parser.

    The codec writes each character as the charmap spells it, and reads, besides the
    charmap, only the second spellings glibc's converter reads.
    """
    with gzip.open(GLIBC_CHARMAP, "rt", encoding="ascii") as charmap:
        text = charmap.read()
    body = text.split("\nCHARMAP\n", 1)[1].split("\nEND CHARMAP", 1)[0]
    entries = re.findall(r"^<U([0-9A-F]+)>\s+((?:/x[0-9a-f]{2})+)(?:\s|$)", body, re.M)
    charmap_table = {
        bytes.fromhex(spelled.replace("/x", "")): chr(int(code, 16)) for code, spelled in entries
    }
    assert len(charmap_table) == len(entries) == 15212

    ours = defined("eucjp_ms", EUC_SEQUENCES)
    assert differences(charmap_table, {raw: ours.get(raw) for raw in charmap_table}) == {}
    written = {char.encode("eucjp_ms"): char for char in set(ours.values())}
    assert differences(charmap_table, written) == {}

    read_besides = {raw: ours[raw] for raw in ours.keys() - charmap_table.keys()}
    assert differences(EUCJP_MS_SECOND_SPELLINGS, read_besides) == {}
    glibc = glibc_eucjp_ms()
    glibc_besides = {raw: glibc[raw] for raw in glibc.keys() - charmap_table.keys()}
    assert differences(glibc_besides, read_besides) == {}


def test_eucjp_ms_reads_the_duplicates_glibc_reads():
    """Regression: eucjp_ms refused these, as glibc's charmap lists one spelling per character."""
    got = {raw: decode_or_none(raw, "eucjp_ms") for raw in EUCJP_MS_SECOND_SPELLINGS}
    assert differences(EUCJP_MS_SECOND_SPELLINGS, got) == {}
    # Never written: each character is written as its first spelling, which reads back as it.
    written = {raw: char.encode("eucjp_ms") for raw, char in EUCJP_MS_SECOND_SPELLINGS.items()}
    assert {raw.hex(" ") for raw, first in written.items() if first == raw} == set()
    assert {raw: first.decode("eucjp_ms") for raw, first in written.items()} == (
        EUCJP_MS_SECOND_SPELLINGS
    )


@pytest.mark.parametrize(
    ("data", "text", "written"),
    [
        # 0x8FA2B7 is JIS X 0212's TILDE; eucJP-ms writes ～ as JIS X 0208's 0xA1C1.
        (b"\x8f\xa2\xb7\xa4\xa2\x8f\xa2\xb7", "～あ～", b"\xa1\xc1\xa4\xa2\xa1\xc1"),
        (
            b"x\xad\xf0\x8f\xf4\xab\x8f\xf3\xfd\x8f\xa2\xf1y",
            "x≒㈱Ⅰ№y",
            b"x\xa2\xe2\xad\xea\xad\xb5\xad\xe2y",
        ),
    ],
)
def test_eucjp_ms_reads_second_spellings_in_text_and_writes_the_first(data, text, written):
    assert data.decode("eucjp_ms") == text
    decoder = codecs.getincrementaldecoder("eucjp_ms")()
    pieces = [decoder.decode(data[i : i + 1]) for i in range(len(data))]
    assert "".join(pieces) + decoder.decode(b"", final=True) == text
    assert text.encode("eucjp_ms") == written
    assert written.decode("eucjp_ms") == text


# cp51932 against the WHATWG decoder in Node.js ------------------------------------------------


def test_cp51932_decodes_every_sequence_as_whatwg_euc_jp():
    """Every one- and two-byte sequence; WHATWG's EUC-JP also has JIS X 0212 (0x8F), CP51932 not."""
    short = [raw for raw in EUC_SEQUENCES if raw[0] != 0x8F]
    node = {raw: char for raw, char in node_euc_jp().items() if raw[0] != 0x8F}
    ours = defined("cp51932", short)

    both = ours.keys() & node.keys()
    assert differences({raw: node[raw] for raw in both}, {raw: ours[raw] for raw in both}) == {}
    assert differences({}, {raw: ours[raw] for raw in ours.keys() - node.keys()}) == {}
    assert differences(NODE_EUC_JP_EXTRAS, {raw: node[raw] for raw in node.keys() - ours}) == {}
    # ASCII, 63 half-width katakana, 7336 JIS X 0208 codes with rows 13 and 89-92.
    assert len(both) == 128 + 63 + 7336


def test_cp51932_refuses_every_jis_x_0212_sequence():
    three_byte = [raw for raw in EUC_SEQUENCES if raw[0] == 0x8F]
    assert len(three_byte) == 94 * 94
    assert defined("cp51932", three_byte) == {}


def test_cp51932_encodes_every_character_back_as_cp932_chooses():
    table = defined("cp51932", EUC_SEQUENCES)
    spellings: dict[str, list[bytes]] = {}
    for raw, char in table.items():
        spellings.setdefault(char, []).append(raw)

    wrong = {}
    for char, raws in spellings.items():
        encoded = char.encode("cp51932")
        if encoded not in raws or encoded.decode("cp51932") != char:
            wrong[char] = (raws, encoded)
    assert wrong == {}

    duplicates = {char: char.encode("cp51932") for char, raws in spellings.items() if len(raws) > 1}
    assert duplicates == CP51932_DUPLICATES
    # Row 2 is where Microsoft's cp932 writes each of them.
    assert {char: jis_code(char.encode("cp932")) for char in duplicates} == CP51932_DUPLICATES


# iso2022_jp_ms against the WHATWG decoder in Node.js ------------------------------------------


def test_iso2022_jp_ms_decodes_every_jis_x_0208_code_as_whatwg():
    inputs = [iso2022(row, cell) for row, cell in JIS_ROWS_CELLS]
    inputs += [b"\x1b(I" + bytes([byte]) + b"\x1b(B" for byte in range(0x21, 0x60)]
    node = dict(zip(inputs, node_decode("iso-2022-jp", inputs), strict=True))
    ours = {raw: decode_or_none(raw, "iso2022_jp_ms") for raw in inputs}

    assert differences(node, ours) == {}
    assert "".join(ours[raw] for raw in inputs[-63:]) == HALF_WIDTH_KATAKANA
    assert sum(text is not None for text in ours.values()) == 7336 + 63
    # Row 13 and the NEC-selected IBM extensions are there.
    assert ours[iso2022(13, 1)] == "①"
    assert ours[iso2022(92, 66)] == "髙"


def test_iso2022_jp_ms_shares_cp51932s_jis_x_0208():
    for row, cell in JIS_ROWS_CELLS:
        euc = bytes([0xA0 + row, 0xA0 + cell])
        assert decode_or_none(iso2022(row, cell), "iso2022_jp_ms") == decode_or_none(
            euc, "cp51932"
        ), euc.hex()


def test_iso2022_jp_ms_writes_what_whatwg_reads():
    table = defined("cp51932", EUC_SEQUENCES)
    chars = list(
        dict.fromkeys(char for raw, char in table.items() if len(raw) == 2 or 0x20 <= raw[0] < 0x7F)
    )
    encoder = codecs.getincrementalencoder("iso2022_jp_ms")()
    incrementally = b"".join(encoder.encode(char) for char in SAMPLE) + encoder.encode("", True)
    texts = [SAMPLE, *chars]
    inputs = [incrementally, *(text.encode("iso2022_jp_ms") for text in texts)]
    assert all(raw.isascii() for raw in inputs)

    decoded = node_decode("iso-2022-jp", inputs)
    assert decoded[0] == SAMPLE
    wrong = {
        text: raw
        for text, raw, read in zip(texts, inputs[1:], decoded[1:], strict=True)
        if read != text
    }
    assert wrong == {}
    assert len(chars) == 95 + 63 + 7336 - len(CP51932_DUPLICATES)


# All three codecs -----------------------------------------------------------------------------


def every_character(codec: str) -> str:
    """SAMPLE, then every character `codec` reads and writes, one a line."""
    if codec == "iso2022_jp_ms":
        chars = [chr(code) for code in range(0x20, 0x7F)] + list(HALF_WIDTH_KATAKANA)
        chars += filter(None, (decode_or_none(iso2022(*rc), codec) for rc in JIS_ROWS_CELLS))
    else:
        chars = list(defined(codec, EUC_SEQUENCES).values())
    return SAMPLE + "\n".join(char for char in chars if char != "\n")


@pytest.mark.parametrize("codec", ["cp51932", "eucjp_ms", "iso2022_jp_ms"])
def test_incremental_decoder_fed_one_byte_at_a_time(codec):
    text = every_character(codec)
    data = text.encode(codec)
    assert data.decode(codec) == text

    decoder = codecs.getincrementaldecoder(codec)()
    pieces = [decoder.decode(data[i : i + 1]) for i in range(len(data))]
    pieces.append(decoder.decode(b"", final=True))
    assert "".join(pieces) == text


@pytest.mark.parametrize(
    ("codec", "data", "start"),
    [
        ("eucjp_ms", b"ab\xad\xff", 2),  # 0xFF is no trail byte
        ("eucjp_ms", b"ab\xa4", 2),  # cut short
        ("eucjp_ms", b"\xa4\xa2\xad\xfd", 2),  # row 13 cell 93 is empty
        ("eucjp_ms", b"\xa4\xa2\x8f\xa2\xba", 2),  # JIS X 0212 row 2 cell 26 is empty
        ("cp51932", b"ab\x8f\xb0\xa1", 2),  # JIS X 0212: not in CP51932
        ("cp51932", b"\xa4\xa2\x8f\xf3\xf3", 2),  # eucJP-ms's IBM extensions neither
        ("cp51932", b"\xad\xa1\xa9\xa1", 2),  # row 9 is empty
        ("iso2022_jp_ms", b"ab\x80cd", 2),  # 8-bit byte
        ("iso2022_jp_ms", b"\x1b$B0!\xb0\xa1\x1b(B", 5),  # 8-bit byte in JIS X 0208
        ("iso2022_jp_ms", b"\x1b$B0!)!\x1b(B", 5),  # row 9 is empty
        ("iso2022_jp_ms", b"a\x1b(Zb", 1),  # unknown escape sequence
    ],
)
def test_strict_decoding_names_the_first_unreadable_byte(codec, data, start):
    with pytest.raises(UnicodeDecodeError) as raised:
        data.decode(codec)
    assert raised.value.start == start
    assert raised.value.end > start


@pytest.mark.parametrize(
    ("codec", "data", "text"),
    [
        ("eucjp_ms", b"ab\xad\xffcd", "ab\ufffdcd"),
        ("eucjp_ms", b"\xa4\xa2\xad\xfd\xad\xa1", "あ\ufffd①"),
        ("eucjp_ms", b"\xa4\xa2\x8f\xa2\xba\x8f\xf3\xf3x", "あ\ufffdⅰx"),
        ("eucjp_ms", b"\x8f\xa2\xba\xa4\xa2\x8f\xa2\xba", "\ufffdあ\ufffd"),
        ("eucjp_ms", b"\x8f\xa2\xb7\xad\xfd\x8f\xa2\xb7", "～\ufffd～"),  # a second spelling
        ("cp51932", b"\xa4\xa2\x8f\xb0\xa1\xa4\xa4", "あ\ufffdい"),
        ("cp51932", b"\xad\xa1\xa9\xa1\xad\xa2", "①\ufffd②"),
        ("cp51932", b"\x8e\xb6\x8e\xe0\x8e\xb6", "ｶ\ufffdｶ"),
        ("iso2022_jp_ms", b"ab\x80cd", "ab\ufffdcd"),
        ("iso2022_jp_ms", b"\x1b$B0!)!0!\x1b(Bx", "亜\ufffd亜x"),
        ("iso2022_jp_ms", b"\x1b(I1\x802\x1b(Bx", "ｱ\ufffdｲx"),
    ],
)
def test_replace_marks_the_unreadable_bytes_and_reads_on(codec, data, text):
    assert data.decode(codec, "replace") == text
    decoder = codecs.getincrementaldecoder(codec)("replace")
    pieces = [decoder.decode(data[i : i + 1]) for i in range(len(data))]
    assert "".join(pieces) + decoder.decode(b"", final=True) == text


@pytest.mark.parametrize(
    ("codec", "data", "text"),
    [
        # As Python's euc_jp, WHATWG (Node) and glibc read them: an ASCII byte is never
        # part of a multibyte character, so it is read as itself.
        ("eucjp_ms", b"x\xadAB", "x\ufffdAB"),
        ("eucjp_ms", b"x\x8eAy", "x\ufffdAy"),
        ("eucjp_ms", b"x\x8f\xa2\nB", "x\ufffd\nB"),
        ("eucjp_ms", b"x\xad\r\n", "x\ufffd\r\n"),
        ("cp51932", b"x\xad\nB", "x\ufffd\nB"),
        ("cp51932", b"x\x8fAB", "x\ufffdAB"),
        # A byte that is not ASCII is part of the unreadable character, up to its length
        # (as the WHATWG decoder reads it): one replacement for 0xAD 0xFF.
        ("cp51932", b"ab\xad\xffcd", "ab\ufffdcd"),
        ("cp51932", b"x\x8e\xff\xa4\xa2", "x\ufffdあ"),
    ],
)
def test_replace_keeps_ascii_after_a_bad_lead_byte(codec, data, text):
    """Regression: the EUC codecs' error handling swallowed the ASCII bytes that followed."""
    assert data.decode(codec, "replace") == text
    decoder = codecs.getincrementaldecoder(codec)("replace")
    pieces = [decoder.decode(data[i : i + 1]) for i in range(len(data))]
    assert "".join(pieces) + decoder.decode(b"", final=True) == text


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"\x1b$B0!\n0!\x1b(B", "亜\n亜"),
        (b"\x1b$B0!\r\n0!\x1b(B", "亜\r\n亜"),
        (b"\x1b$B0!\r0!\x1b(B", "亜\r亜"),
        (b"\x1b(I1\n2\x1b(B", "ｱ\nｲ"),
        (b"\x0e1\r\n2\x0f", "ｱ\r\nｲ"),  # SO/SI (CP50222)
    ],
)
def test_iso2022_jp_ms_keeps_a_line_feed_in_two_byte_mode(data, text):
    """Regression: a line end in two-byte mode was refused, and 'replace' dropped it.

    It is read as itself, and the mode goes on after it, as Python's iso2022_jp reads it.
    """
    assert data.decode("iso2022_jp_ms") == text
    assert data.decode("iso2022_jp_ms", "replace") == text
    decoder = codecs.getincrementaldecoder("iso2022_jp_ms")()
    pieces = [decoder.decode(data[i : i + 1]) for i in range(len(data))]
    assert "".join(pieces) + decoder.decode(b"", final=True) == text
    if not data.startswith(b"\x0e"):  # Python's codecs have no SO/SI
        assert data.decode("iso2022_jp_ext") == text


@pytest.mark.parametrize(
    ("name", "codec", "data"),
    [
        ("cp51932", "cp51932", b"\xad\xa1"),
        ("windows-51932", "cp51932", b"\xad\xa1"),
        ("eucJP-ms", "eucjp_ms", b"\xad\xa1"),
        ("euc-jp-ms", "eucjp_ms", b"\xad\xa1"),
        ("eucjp-win", "eucjp_ms", b"\xad\xa1"),
        ("CP50220", "iso2022_jp_ms", b"\x1b$B-!\x1b(B"),
        ("cp50221", "iso2022_jp_ms", b"\x1b$B-!\x1b(B"),
        ("CP50222", "iso2022_jp_ms", b"\x1b$B-!\x1b(B"),
        ("ISO-2022-JP-MS", "iso2022_jp_ms", b"\x1b$B-!\x1b(B"),
    ],
)
def test_codec_names(name, codec, data):
    assert codecs.lookup(name).name == codec
    assert data.decode(name) == "①"
    assert "①".encode(name) == data
