"""The Movable Type format reader and writer, on our fixtures and on real TypePad exports."""

import io
from datetime import datetime

import pytest

from legacy_japanese.decoding import guess_file_encoding
from porting import mt_reader, mt_writer
from porting.mt_entries import Entry, EntryError, EntryProblem, ExportError
from tests.porting.files import FIXTURES, REAL_EXPORTS


def read(data: bytes, encoding: str = "auto") -> list[Entry | EntryError]:
    return list(mt_reader.read_entries(io.BytesIO(data), encoding=encoding))


def read_file(name: str, encoding: str = "auto") -> list[Entry | EntryError]:
    with (FIXTURES / name).open("rb") as stream:
        return list(mt_reader.read_entries(stream, encoding=encoding))


def test_spec_example_parses_as_the_digest_says():
    [entry] = read_file("spec-example.txt")

    assert entry.title == "秋の京都旅行"
    assert entry.author == "yamada"
    assert entry.basename == "post_12"
    assert entry.status == "publish"
    assert entry.allow_comments and entry.allow_pings
    assert entry.convert_breaks == "1"
    assert entry.primary_category == "旅行"
    assert entry.all_categories == ["旅行", "日記"]
    assert entry.date == datetime(2004, 9, 2, 10, 5)
    assert entry.body == "週末に京都へ行ってきました。\n清水寺はまだ紅葉には早かったです。"
    assert entry.extended_body.endswith("の続きです。")
    assert entry.excerpt == ""
    assert entry.keyword_tags == ["京都", "旅行"]
    first, second = entry.comments
    assert (first.author, first.email, first.ip, first.url) == (
        "田中",
        "tanaka@example.jp",
        "192.0.2.10",
        "http://tanaka.example.jp/",
    )
    assert first.date == datetime(2004, 9, 2, 14, 37)
    assert first.text == "紅葉の時期にもう一度行きたいですね。\n写真も楽しみにしています。"
    assert (second.email, second.url) == ("", "")
    assert second.date == datetime(2004, 9, 3, 0, 0)
    [ping] = entry.pings
    assert (ping.title, ping.url, ping.ip, ping.blog_name) == (
        "京都の紅葉情報まとめ",
        "http://travel.example.jp/archives/000123.html",
        "198.51.100.7",
        "旅とカメラ",
    )
    assert ping.date == datetime(2004, 9, 3, 9, 15, 22)
    assert ping.excerpt.startswith("やまださんの京都旅行記に")


@pytest.mark.parametrize(
    ("name", "encoding"), [("cocolog-eucjp.txt", "euc_jp"), ("cocolog-sjis.txt", "cp932")]
)
def test_legacy_japanese_encodings_are_detected(name, encoding):
    with (FIXTURES / name).open("rb") as stream:
        assert guess_file_encoding(stream).encoding == encoding

    first, second = read_file(name)

    assert first.title == "梅雨入りと紫陽花"
    assert first.comments[0].author == "佐藤花子"
    assert "ソフトバンク" in first.comments[1].text
    # Characters whose second Shift_JIS byte is a backslash survive.
    assert second.title == "表・ソ・能の字"
    assert "表示、ソフト、能力、十分。" in second.body


def test_blank_lines_in_metadata_and_two_digit_years():
    entry = read_file("cocolog-eucjp.txt")[0]

    assert entry.all_categories == ["季節", "写真"]
    assert entry.date == datetime(2004, 6, 12, 19, 30)
    assert entry.comments[0].date == datetime(2004, 6, 12, 23, 2, 15)


def test_forced_encoding_wins_over_the_guess():
    entries = read_file("cocolog-sjis.txt", encoding="shift_jis")
    assert entries[0].title == "梅雨入りと紫陽花"


def test_wrong_forced_encoding_reports_each_entry_instead_of_stopping():
    entries = read_file("cocolog-sjis.txt", encoding="utf-8")

    assert all(isinstance(e, EntryError) for e in entries)
    assert [e.line for e in entries] == [1, 57]
    assert "is not valid UTF-8 at byte 23" in entries[0].message
    assert "that line reads as Shift_JIS (CP932): try --encoding shift_jis" in entries[0].message


def test_unknown_encoding_name_is_an_export_error():
    with pytest.raises(ExportError, match="unknown encoding"):
        read(b"TITLE: x\n", encoding="klingon")


def test_typepad_quirks_crlf_cr_unknown_keys_empty_values_and_a_bad_entry():
    tea, broken, late = read_file("typepad-quirks.txt")

    assert tea.title == "Tea & biscuits"  # entities in titles are decoded
    assert tea.unique_url == "https://anne.typepad.com/blog/2018/03/tea-and-biscuits.html"
    assert tea.date == datetime(2018, 3, 5, 16, 5, 6)
    assert not tea.allow_pings
    assert tea.body == "<p>Milk first.&#0160; Always.</p>"  # HTML kept verbatim
    [comment] = tea.comments
    assert comment.email == ""
    assert comment.text == "Here is my query:\n--------\nSELECT 1;\n--------\nIt works."
    assert tea.pings[0].blog_name == "Tatiana Bilbrey"
    assert tea.warnings == []

    assert isinstance(broken, EntryError)
    assert broken.title == "A broken date"
    assert broken.line == 48
    assert "invalid date" in broken.message

    # CR-only line endings, a 24-hour date and no separator after the last entry.
    assert late.title == "Late night"
    assert late.status == "draft"
    assert late.date == datetime(2018, 12, 31, 23, 59, 59)
    assert late.tags == ["late night", "tea"]
    assert late.body == "*Still* awake."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09/02/2004 02:37:00 PM", datetime(2004, 9, 2, 14, 37)),
        ("09/02/2004 12:00:00 AM", datetime(2004, 9, 2, 0, 0)),
        ("09/02/2004 12:30:00 PM", datetime(2004, 9, 2, 12, 30)),
        ("9/2/2004 14:37:05", datetime(2004, 9, 2, 14, 37, 5)),
        ("09/02/04 02:37:00 pm", datetime(2004, 9, 2, 14, 37)),
        ("09/02/99 02:37:00 AM", datetime(1999, 9, 2, 2, 37)),
        ("09/02/2004 14:37", datetime(2004, 9, 2, 14, 37)),
        ("2004-09-02 14:37:00", datetime(2004, 9, 2, 14, 37)),
    ],
)
def test_dates(text, expected):
    assert mt_reader.parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "02/30/2004 10:00:00", "09/02/2004 13:00 PM"])
def test_bad_dates_are_problems(text):
    with pytest.raises(EntryProblem):
        mt_reader.parse_date(text)


def test_last_entry_without_separator_and_missing_date_named():
    data = (
        b"TITLE: No date here\nSTATUS: Publish\n-----\nBODY:\nhello\n-----\n--------\n"
        b"TITLE: Fine\nDATE: 01/02/2005 03:04:05 AM\n-----\nBODY:\nok\n"
    )
    missing, fine = read(data)

    assert isinstance(missing, EntryError)
    assert missing.describe() == "“No date here” (line 1): the entry has no DATE"
    assert fine.title == "Fine"
    assert fine.body == "ok"


def test_untitled_entry_takes_first_five_words_of_the_body():
    [entry] = read(
        b"DATE: 01/02/2005 03:04:05\n-----\nBODY:\n<p>One two three four five six</p>\n-----\n"
    )
    assert entry.title == "One two three four five"


def test_odd_values_become_warnings_not_failures():
    [entry] = read(
        b"TITLE: Odd\nSTATUS: Pending\nALLOW PINGS: maybe\nDATE: 01/02/2005 03:04:05\n"
        b"-----\nBODY:\nx\n-----\nCOMMENT:\nAUTHOR: A\nDATE: someday\nhi\n-----\n"
    )
    assert entry.status == "draft"
    assert entry.allow_pings is True
    assert entry.comments[0].date is None
    assert len(entry.warnings) == 3


def test_five_dashes_inside_a_body_stay_text():
    [entry] = read(
        b"TITLE: Rule\nDATE: 01/02/2005 03:04:05\n-----\nBODY:\nabove\n-----\nbelow\n"
        b"-----\nEXCERPT:\nshort\n-----\n"
    )
    assert entry.body == "above\n-----\nbelow"
    assert entry.excerpt == "short"


def test_utf8_bom_is_ignored():
    [entry] = read(b"\xef\xbb\xbfTITLE: Bom\nDATE: 01/02/2005 03:04:05\n-----\nBODY:\nx\n")
    assert entry.title == "Bom"


def test_writer_output_reads_back_the_same():
    [entry] = read_file("spec-example.txt")
    entry.tags = ["Movable Type", "京都"]
    entry.body += "\n--------\nafter a rule of eight"

    [again] = read(mt_writer.write_entry(entry).encode())

    for name in ("title", "author", "basename", "status", "date", "excerpt", "keywords"):
        assert getattr(again, name) == getattr(entry, name), name
    assert again.body.replace(" --------", "--------") == entry.body
    assert again.tags == entry.tags
    assert again.all_categories == entry.all_categories
    assert again.comments == entry.comments
    assert again.pings == entry.pings


def test_count_entries_matches_the_reader():
    with (FIXTURES / "typepad-quirks.txt").open("rb") as stream:
        assert mt_reader.count_entries(stream) == 3


@pytest.mark.skipif(not REAL_EXPORTS.exists(), reason="real TypePad exports not present")
@pytest.mark.parametrize(
    ("name", "entries", "comments", "pings"),
    [
        ("typepad-modthemachine.txt", 382, 498, 7),
        ("typepad-justonesandzeros.txt", 371, 991, 14),
        ("typepad-getcoreinterface.txt", 57, 2, 0),
        ("mt-japanese-sample.txt", 2, 3, 0),
    ],
)
def test_real_exports_read_completely(name, entries, comments, pings):
    with (REAL_EXPORTS / name).open("rb") as stream:
        read_back = list(mt_reader.read_entries(stream))

    assert all(isinstance(e, Entry) for e in read_back)
    assert len(read_back) == entries
    assert sum(len(e.comments) for e in read_back) == comments
    assert sum(len(e.pings) for e in read_back) == pings


def test_a_utf8_file_with_one_stray_byte_stays_utf8_and_only_that_entry_fails():
    good = "TITLE: Café {n}\nDATE: 01/02/2005 03:04:05\n-----\nBODY:\nNaïve résumé.\n--------\n"
    data = "".join(good.format(n=n) for n in range(3)).encode()
    data = data.replace("Café 1".encode(), b"Caf\xe9 1")  # one Latin-1 byte

    assert guess_file_encoding(io.BytesIO(data)).encoding == "utf-8"
    first, broken, last = read(data)
    assert (first.title, last.title) == ("Café 0", "Café 2")
    assert isinstance(broken, EntryError)
    assert broken.line == 7
    assert broken.title == "Caf\ufffd 1"


def test_iso_2022_jp_is_detected():
    text = "TITLE: 日本語の題\nDATE: 01/02/2005 03:04:05\n-----\nBODY:\n本文です。\n"
    data = text.encode("iso2022_jp")

    assert guess_file_encoding(io.BytesIO(data)).encoding == "iso2022_jp_ext"
    [entry] = read(data)
    assert (entry.title, entry.body) == ("日本語の題", "本文です。")


def test_legacy_start_body_key_makes_the_rest_of_the_metadata_the_body():
    [entry] = read(b"TITLE: Old\nDATE: 01/02/2005 03:04:05\nSTART BODY:\nline one\nline two\n")
    assert entry.body == "line one\nline two"


def test_no_entry_block_is_flagged_with_its_comments():
    [entry] = read(
        b"NO ENTRY: 1\nDATE: 01/02/2005 03:04:05\n-----\nCOMMENT:\nAUTHOR: A\nlate comment\n-----\n"
    )
    assert entry.no_entry
    assert entry.comments[0].text == "late comment"


def test_nul_characters_are_dropped():
    [entry] = read(b"TITLE: Nu\x00ll\nDATE: 01/02/2005 03:04:05\n-----\nBODY:\na\x00b\n")
    assert (entry.title, entry.body) == ("Null", "ab")
