"""Exports written by Windows-era Japanese software: NEC row 13 and IBM kanji in every encoding.

The fixtures in `fixtures/windows-japanese/` hold one export (`source.utf8.txt`)
in eucJP-ms, CP51932, EUC-JIS-2004, ISO-2022-JP as Windows wrote it (CP50221),
ISO-2022-JP-2004 and Shift_JIS, each with LF and with CRLF line endings
(`make.py` writes them). Its titles, bodies, tags, comments and pings hold
circled numbers (①②③), ㈱, ㍻, Roman numerals (Ⅰ Ⅱ) and the IBM kanji 髙
and 﨑; JIS X 0213 has no 髙, so its files say 高 there.
"""

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from blog.models import Post
from comments.models import Comment
from porting import mt_entries, mt_reader
from tests.factories import make_user
from tests.porting.files import FIXTURES
from trackbacks.models import Trackback

pytestmark = pytest.mark.django_db
HERE = FIXTURES / "windows-japanese"
SOURCE = (HERE / "source.utf8.txt").read_text(encoding="utf-8")
# Each fixture, the codec it is in, and the names `--encoding` can give it by.
FIXTURE_ENCODINGS = {
    "eucjp-ms": ("eucjp_ms", ["euc-jp", "eucjp-ms"]),
    "cp51932": ("cp51932", ["euc-jp", "cp51932"]),
    "euc-jis-2004": ("euc_jis_2004", ["euc-jp", "euc-jis-2004"]),
    "iso-2022-jp-ms": ("iso2022_jp_ms", ["iso-2022-jp", "cp50221"]),
    "iso-2022-jp-2004": ("iso2022_jp_3", ["iso-2022-jp", "iso-2022-jp-3"]),
    "shift_jis": ("cp932", ["shift_jis", "cp932"]),
}
FIXTURE_FILES = [f"{name}.{ending}.txt" for name in FIXTURE_ENCODINGS for ending in ("lf", "crlf")]
WINDOWS_CHARACTERS = "①②③㈱㍻ⅠⅡ髙﨑"


def expected_text(name: str) -> str:
    """What a fixture says: the source, with 高 for 髙 where the encoding has no 髙."""
    return SOURCE.replace("髙", "高") if "2004" in name else SOURCE


def import_file(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("import_mt", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def yamazaki(db):
    return make_user("yamazaki")


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_the_reader_gives_the_source_text_for_every_encoding_and_line_ending(name):
    with (HERE / name).open("rb") as stream:
        entries = list(mt_reader.read_entries(stream))
    expected = list(mt_reader.read_entries(io.BytesIO(expected_text(name).encode("utf-8"))))

    assert [type(e) for e in entries] == [mt_entries.Entry] * 3
    assert entries == expected


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_every_entry_imports_with_the_right_text(name, yamazaki):
    output = import_file(HERE / name)

    text = expected_text(name)
    kanji = "髙" if "髙" in text else "高"
    assert "3 entries read" in output
    first = Post.objects.get(slug="hoken_hikaku")
    assert first.title == "保険①②の比較"
    assert f"㈱{kanji}山保険と山﨑生命の二つを比べました。" in first.body
    assert "契約は㍻17年の春です。Ⅰ型とⅡ型の違い" in first.body
    assert "\r" not in first.body
    assert first.excerpt == "①②③の三点で比べた記録。"
    assert {t.name for t in first.tags.all()} == {"保険", "比較", "比較 ①", "㈱"}
    [comment] = Comment.objects.filter(post=first)
    assert comment.author_name == f"{kanji}橋一郎"
    assert (
        comment.text
        == "わかりやすい表をありがとうございます。\nうちはⅡ型で、③の条件に気をつけました。"
    )
    [ping] = Trackback.objects.filter(post=first)
    assert (ping.title, ping.blog_name) == ("山﨑生命の保険①②", "㈱のブログ")
    assert ping.excerpt == f"{kanji}山保険との比較を取り上げさせていただきました。"
    second = Post.objects.get(slug="kakeibo_1")
    assert second.title == "㍻の家計簿Ⅰ"
    assert Comment.objects.get(post=second).author_name == "山﨑花子"
    assert Post.objects.get(slug="haru_sanpo").title == "春の散歩"


@pytest.mark.parametrize(
    ("name", "option"),
    [(name, option) for name, (_codec, options) in FIXTURE_ENCODINGS.items() for option in options],
)
def test_forcing_the_family_or_the_variant_reads_the_file_too(name, option, yamazaki):
    import_file(HERE / f"{name}.crlf.txt", "--encoding", option)

    assert set(Post.objects.values_list("title", flat=True)) == {
        "保険①②の比較",
        "㍻の家計簿Ⅰ",
        "春の散歩",
    }


def test_an_export_and_a_reimport_keep_every_character(yamazaki, tmp_path):
    import_file(HERE / "eucjp-ms.crlf.txt")
    before = {
        "posts": sorted(Post.objects.values_list("title", "body", "excerpt")),
        "comments": sorted(Comment.objects.values_list("author_name", "text")),
        "pings": sorted(Trackback.objects.values_list("title", "blog_name", "excerpt")),
    }
    exported = tmp_path / "kiji-backup.txt"
    call_command("export_mt", "--output", str(exported), stdout=io.StringIO())

    backup = exported.read_text(encoding="utf-8")
    for char in WINDOWS_CHARACTERS:
        assert char in backup
    Post.objects.all().delete()
    assert not Comment.objects.exists()
    import_file(exported)

    assert {
        "posts": sorted(Post.objects.values_list("title", "body", "excerpt")),
        "comments": sorted(Comment.objects.values_list("author_name", "text")),
        "pings": sorted(Trackback.objects.values_list("title", "blog_name", "excerpt")),
    } == before


def _line_and_offset(data: bytes, marker: bytes) -> tuple[int, int]:
    offset = data.index(marker)
    return data[:offset].count(b"\n") + 1, offset


def test_an_entry_no_encoding_reads_is_named_with_its_line_and_byte_offset(yamazaki, tmp_path):
    data = (HERE / "eucjp-ms.crlf.txt").read_bytes()
    broken = "家計簿".encode("eucjp_ms")
    data = data.replace(broken, b"\xff\xfe\xfd", 1)
    line, offset = _line_and_offset(data, b"\xff\xfe\xfd")
    path = tmp_path / "broken.txt"
    path.write_bytes(data)

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 3 entries could not be imported"):
        call_command("import_mt", str(path), stdout=out, stderr=err)

    report = out.getvalue() + err.getvalue()
    # Read as EUC-JIS-2004, 髙 (0x8FF4FB in eucJP-ms) is another kanji: either reading may win.
    assert f"line {line} is not valid EUC-" in report
    assert f"at byte {offset} (bytes FF FE FD" in report
    assert "“㍻の" in report and "(line 44)" in report
    assert "no encoding Kiji knows reads that line" in report
    assert set(Post.objects.values_list("title", flat=True)) == {"保険①②の比較", "春の散歩"}


def test_an_entry_pasted_in_shift_jis_is_named_with_the_encoding_that_reads_it(yamazaki, tmp_path):
    data = (HERE / "eucjp-ms.lf.txt").read_bytes()
    body = "家計簿の一冊目（Ⅰ）をつけ終えました。"
    data = data.replace(body.encode("eucjp_ms"), body.encode("cp932"))
    line, offset = _line_and_offset(data, body.encode("cp932"))
    path = tmp_path / "mixed.txt"
    path.write_bytes(data)

    with pytest.raises(CommandError) as failure:
        out = io.StringIO()
        call_command("import_mt", str(path), stdout=out, stderr=io.StringIO())

    report = out.getvalue() + str(failure.value)
    assert "㍻の家計簿Ⅰ" in report
    # Its first byte, 0x89 (of 家), is a C1 control in eucJP-ms: the next one is not.
    assert f"line {line} is not valid EUC-JP (eucJP-ms) at byte {offset + 1}" in report
    assert "that line reads as Shift_JIS (CP932): try --encoding shift_jis" in report
    assert Post.objects.count() == 2


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="needs Node.js")
@pytest.mark.parametrize(
    ("name", "whatwg"), [("cp51932.crlf.txt", "euc-jp"), ("iso-2022-jp-ms.lf.txt", "iso-2022-jp")]
)
def test_the_fixtures_kiji_wrote_read_the_same_in_browsers_decoders(name, whatwg):
    """Kiji's codecs wrote these two: Node.js's WHATWG decoders must read the source text."""
    script = (
        "let d='';process.stdin.setEncoding('latin1');process.stdin.on('data',c=>d+=c);"
        "process.stdin.on('end',()=>process.stdout.write(JSON.stringify("
        f"new TextDecoder('{whatwg}',{{fatal:true}}).decode(Buffer.from(d,'latin1')))))"
    )
    result = subprocess.run(
        [NODE or "node", "-e", script],
        input=(HERE / name).read_bytes(),
        capture_output=True,
        check=True,
    )
    newline = "\r\n" if ".crlf." in name else "\n"
    assert json.loads(result.stdout) == SOURCE.replace("\n", newline)
