import xmlrpc.client
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legacy_japanese.decoding import decode_document, decode_fields, normalize_charset
from trackbacks import protocol
from trackbacks.cleaning import clean_text
from trackbacks.protocol import PingbackFault, PingError

TITLE = "京都の紅葉情報まとめ"
EXCERPT = "やまださんの京都旅行記にトラックバックさせていただきました。①㈱"
BLOG = "旅とカメラ"
URL = "http://travel.example.jp/archives/000123.html"


def form(encoding: str, extra: str = "", **fields) -> bytes:
    values = {"title": TITLE, "excerpt": EXCERPT, "blog_name": BLOG, "url": URL, **fields}
    parts = []
    for key, value in values.items():
        raw = value.encode(encoding, errors="ignore")
        parts.append(f"{key}={quote_from_bytes(raw)}")
    return ("&".join(parts) + extra).encode("ascii")


def expected(encoding: str) -> tuple[str, str, str]:
    return tuple(
        v.encode(encoding, errors="ignore").decode(encoding) for v in (TITLE, EXCERPT, BLOG)
    )


ENCODINGS = {
    "cp932": ["Shift_JIS", "shift_jis", "x-sjis", "SJIS", "cp932", "Windows-31J"],
    "euc_jp": ["EUC-JP", "euc-jp", "euc", "x-euc-jp"],
    "iso2022_jp": ["ISO-2022-JP", "iso-2022-jp", "jis"],
    "utf-8": ["UTF-8", "utf8"],
}
WRONG = {"cp932": "EUC-JP", "euc_jp": "Shift_JIS", "iso2022_jp": "UTF-8", "utf-8": "Shift_JIS"}


def read(body: bytes, content_type="application/x-www-form-urlencoded", query=b""):
    return protocol.read_trackback(body=body, query=query, content_type=content_type)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_japanese_pings_without_any_declared_charset(encoding):
    ping = read(form(encoding))
    assert (ping.title, ping.excerpt, ping.blog_name) == expected(encoding)
    assert ping.url == URL


@pytest.mark.parametrize(
    ("encoding", "label"), [(e, label) for e, labels in ENCODINGS.items() for label in labels]
)
def test_japanese_pings_with_a_charset_form_field(encoding, label):
    ping = read(form(encoding, charset=label))
    assert (ping.title, ping.excerpt, ping.blog_name) == expected(encoding)


@pytest.mark.parametrize(
    ("encoding", "label"), [(e, label) for e, labels in ENCODINGS.items() for label in labels]
)
def test_japanese_pings_with_a_content_type_charset(encoding, label):
    ping = read(form(encoding), content_type=f"application/x-www-form-urlencoded; charset={label}")
    assert (ping.title, ping.excerpt, ping.blog_name) == expected(encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_japanese_pings_with_a_wrong_declared_charset(encoding):
    wrong = WRONG[encoding]
    ping = read(form(encoding, charset=wrong))
    assert (ping.title, ping.excerpt, ping.blog_name) == expected(encoding)
    ping = read(form(encoding), content_type=f"application/x-www-form-urlencoded; charset={wrong}")
    assert (ping.title, ping.excerpt, ping.blog_name) == expected(encoding)


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp"])
def test_latin1_declared_for_japanese_text_is_overruled(encoding):
    ping = read(
        form(encoding), content_type="application/x-www-form-urlencoded; charset=iso-8859-1"
    )
    assert ping.title == TITLE


def test_form_field_and_header_disagreeing_still_decode():
    body = form("euc_jp", charset="EUC-JP")
    ping = read(body, content_type="application/x-www-form-urlencoded; charset=Shift_JIS")
    assert ping.title == TITLE
    assert ping.charset == "euc_jp"


def test_cp932_only_characters_survive():
    text = "①㈱\uff5e\u2170髙"  # circled digit, NEC and IBM extensions, full-width tilde
    ping = read(form("cp932", excerpt=text), content_type="; charset=Shift_JIS")
    assert ping.excerpt == text


def test_utf8_with_a_bom():
    body = (
        b"url=" + URL.encode() + b"&title=" + quote_from_bytes(("\ufeff" + TITLE).encode()).encode()
    )
    assert read(body).title == TITLE


def test_bogus_charset_falls_back_to_detection():
    assert read(form("euc_jp", charset="foobar")).title == TITLE


def test_charset_in_the_query_string_counts():
    ping = read(form("cp932"), query=b"charset=Shift_JIS")
    assert ping.title == expected("cp932")[0]


def test_utf7_is_refused():
    with pytest.raises(PingError, match="UTF-7"):
        read(b"url=http%3A%2F%2Fa.example%2Fp&title=%2BADw-script%2BAD4-&charset=UTF-7")
    with pytest.raises(PingError, match="UTF-7"):
        read(b"url=http%3A%2F%2Fa.example%2Fp&title=x", content_type="text/plain; charset=utf-7")


def test_undecodable_bytes_are_kept_with_replacement_and_flagged():
    ping = read(b"url=http%3A%2F%2Fa.example%2Fp&title=%81%FF%FE%80")
    assert ping.decoded_cleanly is False
    assert ping.title


def test_plus_and_percent_spaces_duplicate_keys_and_extras():
    ping = read(b"url=http://a.example/p&title=Foo+Bar%20Baz&title=second&extra=1&blog_name=")
    assert ping.title == "Foo Bar Baz"
    assert ping.blog_name == ""


def test_url_only_ping_uses_the_url_as_title():
    ping = read(b"url=http%3A%2F%2Fa.example%2Fentry")
    assert ping.title == "http://a.example/entry"
    assert ping.excerpt == ""


def test_missing_title_uses_the_start_of_the_excerpt():
    ping = read(b"url=http://a.example/p&excerpt=" + b"word+" * 30)
    assert ping.title.startswith("word word")
    assert len(ping.title) <= 40


@pytest.mark.parametrize(
    "body",
    [b"", b"title=Hello", b"url=", b"url=+++"],
)
def test_missing_url_is_an_error(body):
    with pytest.raises(PingError, match=r"Source URL \(url\)"):
        read(body)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "ftp://a.example/p",
        "http://",
        "http://a.example/with space",
        'http://a.example/"quote',
        "not a url",
        "http://a.example:99999/",
        "http://a.example/" + "x" * 2100,
        "http://a.example/\x00nul",
        "http://a.example/\x1b[0m",
    ],
)
def test_invalid_urls_are_errors(url):
    with pytest.raises(PingError, match="Invalid URL"):
        read(b"url=" + quote_from_bytes(url.encode()).encode())


def test_multipart_is_answered_with_an_error():
    with pytest.raises(PingError, match="x-www-form-urlencoded"):
        read(b"--x\r\n", content_type="multipart/form-data; boundary=x")


def test_html_scripts_controls_are_stripped_and_fields_truncated_by_characters():
    ping = read(
        b"url=http://a.example/p&title=%3Cb%3EBold%3C%2Fb%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        b"%00%07Tail&blog_name=%3Cimg+src%3Dx+onerror%3Dalert(1)%3EName&excerpt="
        + quote_from_bytes(("あ" * 400).encode()).encode()
    )
    assert ping.title == "Bold Tail"
    assert ping.blog_name == "Name"
    assert len(ping.excerpt) == protocol.EXCERPT_LENGTH
    assert ping.excerpt.endswith("…")


def test_clean_text_resolves_entities_without_reviving_tags():
    assert clean_text("Fish &amp; chips &lt;b&gt;", 100) == "Fish & chips <b>"
    assert clean_text("a\u0085b\x1bc", 100) == "abc"
    assert clean_text("ｶﾞ\u0301", 100) == "ｶﾞ\u0301"


@pytest.mark.parametrize(
    ("name", "codec"),
    [("Shift_JIS", "cp932"), ("EUC-JP", "euc_jp"), ("ISO-2022-JP", "iso2022_jp_ext"), ("x", None)],
)
def test_normalize_charset(name, codec):
    assert normalize_charset(name) == codec


def test_decode_fields_prefers_declared_charset_on_ties():
    assert decode_fields({"t": b"plain"}, ["euc-jp"]).charset == "euc_jp"


def test_decode_document_uses_meta_charset():
    html = '<meta charset="Shift_JIS"><title>日本語</title>'.encode("cp932")
    assert "日本語" in decode_document(html)
    assert "日本語" in decode_document("<p>日本語</p>".encode("euc_jp"))


# Answers ---------------------------------------------------------------------------------------


def test_success_answer_is_the_exact_spec_xml():
    response = protocol.trackback_response()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content == (
        b'<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>0</error>\n</response>\n'
    )


def test_error_answer_escapes_its_message():
    response = protocol.trackback_response("Invalid URL '<a href=\"x\">&'", status=403)
    assert response.status_code == 403
    body = response.content.decode()
    assert "<error>1</error>" in body
    assert "<message>Invalid URL &#39;&lt;a href=&quot;x&quot;&gt;&amp;&#39;</message>" in body


def test_rss_listing_shape():
    response = protocol.trackback_rss_response(
        title="Entry <1>",
        link="http://blog.example/e",
        description="",
        language="ja",
        items=[protocol.RssItem("Ping & co", "http://a.example/p", "")],
    )
    body = response.content.decode()
    assert '<rss version="0.91"><channel>' in body
    assert "<title>Ping &amp; co</title>" in body
    assert "<description></description>" in body  # the channel's, even when empty
    assert body.count("<description>") == 1  # no empty item description


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b"<response><error>0</error></response>", None),
        (
            200,
            b'<?xml version="1.0" encoding="iso-8859-1"?>\n<response>\n  <error>0</error>',
            None,
        ),
        (
            200,
            b"<response><error>1</error><message>Closed &amp; gone</message></response>",
            "Closed & gone",
        ),
        (200, b"<html>hello</html>", "The answer is not a TrackBack response."),
        (500, b"", "HTTP error: 500"),
    ],
)
def test_reading_trackback_answers(status, body, error):
    assert protocol.read_trackback_answer(status, body) == error


# Pingback --------------------------------------------------------------------------------------


def test_pingback_call_is_read():
    body = xmlrpc.client.dumps(("http://a.example/src", "http://b.example/t"), "pingback.ping")
    call = protocol.read_xmlrpc_call(body.encode())
    assert call.method == "pingback.ping"
    assert protocol.pingback_params(call) == ("http://a.example/src", "http://b.example/t")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not xml", -32700),
        (b"<methodCall><methodName>pingback.ping</methodName><params>", -32700),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall>'
            b"<methodName>&a;</methodName></methodCall>",
            -32700,
        ),
    ],
)
def test_malformed_xmlrpc_gives_parse_faults(body, code):
    with pytest.raises(PingbackFault) as info:
        protocol.read_xmlrpc_call(body)
    assert info.value.code == code


@pytest.mark.parametrize("params", [(), ("only one",), ("a", 2), ("a", "b", "c")])
def test_pingback_params_must_be_two_strings(params):
    call = protocol.read_xmlrpc_call(xmlrpc.client.dumps(params, "pingback.ping").encode())
    with pytest.raises(PingbackFault) as info:
        protocol.pingback_params(call)
    assert info.value.code == -32602


def test_fault_and_success_responses_are_xmlrpc():
    fault = protocol.xmlrpc_fault(48, "The pingback has already been registered.")
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(fault.content)
    assert info.value.faultCode == 48
    ok = protocol.xmlrpc_response("Pingback registered.")
    assert xmlrpc.client.loads(ok.content)[0] == ("Pingback registered.",)


# Webmention ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "problem"),
    [
        ("", "http://b.example/t", "source parameter is missing"),
        ("http://a.example/s", "", "target parameter is missing"),
        ("garbage", "http://b.example/t", "source parameter is not a valid"),
        ("http://a.example/s", "garbage", "target parameter is not a valid"),
        ("garbage", "garbage", "source parameter is not a valid"),
        ("http://a.example/s", "http://a.example/s#x", "must be different"),
    ],
)
def test_invalid_webmentions(source, target, problem):
    assert problem in protocol.validate_webmention(source, target)


def test_valid_webmention():
    assert protocol.validate_webmention("https://a.example/s", "https://b.example/t") is None


@given(body=st.binary(max_size=300), content_type=st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_body_is_either_read_or_refused_with_a_message(body, content_type):
    try:
        ping = read(body, content_type=content_type)
    except PingError as error:
        assert error.message
    else:
        assert ping.url.lower().startswith(("http://", "https://"))
        assert ping.title


@given(
    fields=st.dictionaries(
        st.sampled_from(["title", "excerpt", "blog_name"]), st.text(max_size=80), max_size=3
    ),
    encoding=st.sampled_from(["utf-8", "cp932", "euc_jp", "iso2022_jp"]),
)
@settings(max_examples=200, deadline=None)
def test_fields_never_keep_markup_or_control_characters(fields, encoding):
    parts = ["url=http%3A%2F%2Fa.example%2Fp"]
    for key, value in fields.items():
        raw = value.encode(encoding, errors="ignore")
        parts.append(f"{key}={quote_from_bytes(raw)}")
    ping = read("&".join(parts).encode("ascii"))
    for text in (ping.title, ping.excerpt, ping.blog_name):
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)
        assert len(text) <= protocol.EXCERPT_LENGTH
