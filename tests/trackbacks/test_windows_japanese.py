"""Pings written on Windows-era Japanese software: NEC row 13 and IBM kanji, and text no one reads.

A TrackBack in each encoding, with and without a declared charset, shows the
right text once approved; a Pingback or Webmention source page in Shift_JIS or
EUC-JP gives the right title and excerpt; a ping whose text no encoding reads
is held with its bytes and a reason, never shown as garbage, and
`redecode_pings` reads it once the decoder can.
"""

import io
from urllib.parse import quote_from_bytes

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from legacy_japanese import decoding
from moderation.models import Status
from moderation.services import ApprovalRefused, moderate
from tests.factories import make_post, make_user
from tests.trackbacks.test_receiving import (
    FORM,
    permalink,
    ping,
    pingback,
    webmention,
    xml_error,
)
from trackbacks import protocol
from trackbacks.models import Trackback

pytestmark = pytest.mark.django_db

TITLE = "保険①②の比較"
EXCERPT = "㈱髙山保険と山﨑生命を㍻17年に比べました。Ⅰ型とⅡ型、③まで。"
BLOG_NAME = "㈱のブログ"
URL = "http://hoken.example.jp/archives/000512.html"
# Each codec, and the charset names a sender could declare for it.
DECLARED = {
    "cp51932": ["EUC-JP", "x-euc-jp", "CP51932"],
    "eucjp_ms": ["EUC-JP", "eucJP-ms"],
    "euc_jis_2004": ["EUC-JP", "EUC-JIS-2004"],
    "cp932": ["Shift_JIS", "Windows-31J"],
    "iso2022_jp_ms": ["ISO-2022-JP", "CP50221"],
    "iso2022_jp_3": ["ISO-2022-JP", "ISO-2022-JP-2004"],
    "utf-8": ["UTF-8"],
}
CASES = [
    (codec, label, where)
    for codec, labels in DECLARED.items()
    for label, where in [
        (None, None),
        *((label, w) for label in labels for w in ("field", "header")),
    ]
]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.KIJI_SITE_URL = "http://testserver"
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = False


@pytest.fixture
def post(db):
    return make_post("Insurance", slug="insurance")


def expected(codec: str, text: str) -> str:
    """JIS X 0213 has no 髙: those senders write 高."""
    return text.replace("髙", "高") if codec in ("euc_jis_2004", "iso2022_jp_3") else text


def form_body(fields: dict[str, bytes]) -> bytes:
    return "&".join(f"{k}={quote_from_bytes(v, safe='')}" for k, v in fields.items()).encode()


def send(client, post, codec: str, label: str | None = None, where: str | None = None):
    fields = {
        "url": URL.encode(),
        "title": expected(codec, TITLE).encode(codec),
        "excerpt": expected(codec, EXCERPT).encode(codec),
        "blog_name": BLOG_NAME.encode(codec),
    }
    if label and where == "field":
        fields["charset"] = label.encode()
    content_type = f"{FORM}; charset={label}" if label and where == "header" else FORM
    response = ping(client, post, form_body(fields), content_type)
    assert xml_error(response) is None
    return Trackback.objects.get(post=post, url=URL)


@pytest.mark.parametrize(("codec", "label", "where"), CASES)
def test_a_ping_in_each_encoding_shows_the_right_text_once_approved(
    client, post, codec, label, where
):
    item = send(client, post, codec, label, where)

    assert (item.title, item.excerpt, item.blog_name) == (
        TITLE,
        expected(codec, EXCERPT),
        BLOG_NAME,
    )
    assert not item.decoding_problem and item.undecoded is None
    moderate(item, status=Status.APPROVED)
    page = client.get(post.get_absolute_url()).content.decode()
    assert TITLE in page
    assert expected(codec, EXCERPT) in page
    assert BLOG_NAME in page


def test_the_reported_ping_declared_euc_jp_is_no_longer_half_width_garbage(client, post):
    """The issue's case: 保険①②の比較 in EUC-JP, declared, came out as ﾊﾝｸｱｭ｡..."""
    body = form_body({"url": URL.encode(), "title": TITLE.encode("cp51932"), "charset": b"EUC-JP"})
    ping(client, post, body)

    item = Trackback.objects.get()
    assert item.title == TITLE
    assert item.charset == "cp51932"


# Text no encoding reads --------------------------------------------------------------------------

# 0x81 0x7F: a C1 control in eucJP-ms, an unfinished character in Shift_JIS.
UNREADABLE = "保険".encode("cp51932") + b"\x81\x7f" + "の比較".encode("cp51932")


def send_unreadable(client, post, **extra_fields):
    fields = {"url": URL.encode(), "title": UNREADABLE, "blog_name": BLOG_NAME.encode("cp51932")}
    fields.update(extra_fields)
    response = ping(client, post, form_body(fields))
    assert xml_error(response) is None  # accepted: nothing a sender sent is lost
    return Trackback.objects.get(post=post, url=URL)


def test_an_unreadable_ping_is_held_with_its_bytes_and_a_reason(client, post):
    item = send_unreadable(client, post, charset=b"EUC-JP")

    assert item.status == Status.PENDING
    assert item.decoding_problem.startswith("No character set reads the title (at byte 4: 81 7F")
    assert "EUC-JP (CP51932)" in item.decoding_problem
    assert item.status_reason.startswith("Held for review: No character set reads the title")
    kept = protocol.unpack_trackback_text(bytes(item.undecoded))
    assert kept["title"] == UNREADABLE
    assert kept["charset"] == b"EUC-JP"
    # What could be read is kept readable, and what could not is marked, not guessed.
    assert item.title.startswith("保険\ufffd")
    assert item.title.endswith("の比較")


def test_text_that_only_reads_as_garbage_in_another_encoding_is_held(client, post):
    # Odd bytes no EUC-JP reads; Shift_JIS reads them as half-width katakana.
    item = send_unreadable(client, post, title=b"\xb1\xb2\xb3\xb4\xb5", charset=b"EUC-JP")

    assert item.status == Status.PENDING
    assert item.decoding_problem == (
        "Declared as EUC-JP, which cannot read it; read as Shift_JIS (CP932) it is not text."
    )
    assert item.undecoded


def test_an_unreadable_ping_is_never_approved_nor_shown(client, post):
    item = send_unreadable(client, post)

    with pytest.raises(ApprovalRefused, match="redecode_pings"):
        moderate(item, status=Status.APPROVED)
    item.refresh_from_db()
    assert item.status == Status.PENDING
    page = client.get(post.get_absolute_url()).content.decode()
    assert "\ufffd" not in page and "の比較" not in page


def test_the_desk_shows_the_reason_and_refuses_a_bulk_approval(client, post):
    item = send_unreadable(client, post)
    author = make_user("desk", is_staff=True)
    author.user_permissions.add(*Permission.objects.filter(codename__endswith="trackback"))
    client.force_login(author)
    changelist = reverse("admin:trackbacks_trackback_changelist")

    listing = client.get(changelist + "?unread=yes").content.decode()
    assert "No character set reads the title" in listing
    detail = client.get(reverse("admin:trackbacks_trackback_change", args=[item.pk]))
    assert "Text as received" in detail.content.decode()
    assert r"title: <code>\xca\xdd\xb8\xb1\x81" in detail.content.decode()
    response = client.post(
        changelist, {"action": "approve", "_selected_action": [item.pk]}, follow=True
    )
    assert "its text could not be read" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.PENDING


def test_correcting_the_text_by_hand_makes_it_the_text(client, post):
    item = send_unreadable(client, post)
    author = make_user("editor", is_staff=True, is_superuser=True)
    client.force_login(author)

    client.post(
        reverse("admin:trackbacks_trackback_change", args=[item.pk]),
        {
            "status": Status.APPROVED,
            "title": "保険の比較",
            "excerpt": "",
            "blog_name": BLOG_NAME,
        },
    )

    item.refresh_from_db()
    assert (item.title, item.status, item.undecoded, item.decoding_problem) == (
        "保険の比較",
        Status.APPROVED,
        None,
        "",
    )


@pytest.fixture
def older_decoder(monkeypatch):
    """The decoder as it was before the Windows variants: only the JIS standard codecs."""
    monkeypatch.setattr(
        decoding,
        "FAMILIES",
        {**decoding.FAMILIES, "euc_jp": ("euc_jp",), "iso2022_jp": ("iso2022_jp_ext",)},
    )
    monkeypatch.setattr(decoding, "DETECTION_ORDER", ("utf-8", "iso2022_jp_ext", "euc_jp"))
    return monkeypatch


def test_redecode_pings_reads_what_an_older_decoder_held(client, post, older_decoder):
    held = send(client, post, "eucjp_ms", "EUC-JP", "field")
    assert held.undecoded and held.status == Status.PENDING
    older_decoder.undo()
    still_unreadable = send_unreadable(client, make_post("Other", slug="other"))

    out = io.StringIO()
    call_command("redecode_pings", stdout=out)

    held.refresh_from_db()
    assert (held.title, held.excerpt, held.blog_name) == (TITLE, EXCERPT, BLOG_NAME)
    assert (held.undecoded, held.decoding_problem, held.charset) == (None, "", "eucjp_ms")
    assert held.status == Status.PENDING  # the author still decides
    assert "Text read again as EUC-JP (eucJP-ms)" in held.status_reason
    still_unreadable.refresh_from_db()
    assert still_unreadable.undecoded
    assert "1 of 2 pings with unread text read." in out.getvalue()
    moderate(held, status=Status.APPROVED)
    assert EXCERPT in client.get(post.get_absolute_url()).content.decode()


def test_redecode_pings_dry_run_changes_nothing(client, post, older_decoder):
    held = send(client, post, "cp51932", "EUC-JP", "header")
    older_decoder.undo()

    out = io.StringIO()
    call_command("redecode_pings", "--dry-run", stdout=out)

    assert "1 of 1 pings with unread text would be read." in out.getvalue()
    assert TITLE in out.getvalue()
    held.refresh_from_db()
    assert held.undecoded


# Source pages of Pingbacks and Webmentions -------------------------------------------------------


@pytest.fixture
def verifying(settings, web):
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = True
    return web


def japanese_page(link: str, codec: str, meta: str = "") -> bytes:
    head = f'<meta charset="{meta}">' if meta else ""
    return (
        f"<html><head>{head}<title>{TITLE}</title></head><body>"
        f"<p>{EXCERPT} <a href='{link}'>この記事</a>を読みました。</p></body></html>"
    ).encode(codec)


@pytest.mark.parametrize(
    ("codec", "content_type", "meta"),
    [
        ("cp932", "text/html; charset=Shift_JIS", ""),
        ("cp932", "text/html", "Shift_JIS"),
        ("cp51932", "text/html; charset=EUC-JP", ""),
        ("eucjp_ms", "text/html", "EUC-JP"),
        ("eucjp_ms", "text/html", ""),
        ("cp51932", "text/html; charset=euc-jp", "EUC-JP"),
    ],
)
def test_a_pingback_source_page_gives_the_right_title_and_excerpt(
    client, post, verifying, django_capture_on_commit_callbacks, codec, content_type, meta
):
    source = verifying.add(
        "/entry", japanese_page(permalink(post), codec, meta), content_type=content_type
    )
    with django_capture_on_commit_callbacks(execute=True):
        pingback(client, source, permalink(post))

    item = Trackback.objects.get()
    assert item.verification == Trackback.Verification.LINKS_HERE
    assert item.title == TITLE
    assert EXCERPT in item.excerpt
    assert not item.decoding_problem


def test_an_unreadable_source_page_holds_the_webmention_with_its_bytes(
    client, post, verifying, django_capture_on_commit_callbacks, settings, older_decoder
):
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = True
    page = japanese_page(permalink(post), "cp51932")
    source = verifying.add("/mention", page, content_type="text/html; charset=EUC-JP")
    with django_capture_on_commit_callbacks(execute=True):
        response = webmention(client, source=source, target=permalink(post))
    assert response.status_code == 202

    item = Trackback.objects.get()
    assert item.verification == Trackback.Verification.LINKS_HERE
    assert item.status == Status.PENDING
    assert "No character set reads the body" in item.decoding_problem
    assert bytes(item.undecoded).endswith(page)
    older_decoder.undo()
    call_command("redecode_pings", stdout=io.StringIO())
    item.refresh_from_db()
    assert item.title == TITLE
    assert EXCERPT in item.excerpt
    assert item.undecoded is None
