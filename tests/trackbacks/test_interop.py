"""Interoperability: clients nobody here wrote, against a live Kiji on 127.0.0.1.

indieweb-utils sends TrackBack after RDF autodiscovery, Python's xmlrpc.client
sends Pingback, ronkyuu sends Webmention, and Kiji's own sender pings the
same live server end to end.
"""

import urllib.request
import xmlrpc.client
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from django.db import transaction
from django.utils.encoding import iri_to_uri

from moderation.models import Status
from moderation.services import moderate
from tests.factories import make_post
from trackbacks.models import OutgoingPing, Trackback

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Warnings raised inside the third-party clients, not by Kiji.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:It looks like you're using an HTML parser"),
]


@pytest.fixture
def kiji(live_server, settings):
    """The live server, allowed to fetch itself, with its own address as the site URL."""
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    settings.KIJI_TRACKBACKS_PER_IP_PER_MINUTE = 0
    settings.KIJI_SITE_URL = live_server.url
    return live_server


def page_url(server, post) -> str:
    return server.url + iri_to_uri(post.get_absolute_url())


def approve_and_show(client, post, item: Trackback) -> str:
    moderate(item, status=Status.APPROVED)
    return client.get(post.get_absolute_url()).content.decode()


def test_indieweb_utils_trackback_with_discovery(kiji, client, web, settings):
    from indieweb_utils import send_trackback

    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = True
    post = make_post("秋の京都旅行")
    target = page_url(kiji, post)
    source = web.add("/2004/09/kyoto.html", f"<p><a href='{target}'>京都</a></p>")
    send_trackback(
        target_url=target,
        source_url=source,
        title="京都の紅葉情報まとめ",
        excerpt="やまださんの京都旅行記にトラックバックさせていただきました。",
        blog_name="旅とカメラ",
    )
    item = Trackback.objects.get()
    assert (item.kind, item.title, item.blog_name) == (
        "trackback",
        "京都の紅葉情報まとめ",
        "旅とカメラ",
    )
    assert item.status == Status.PENDING
    assert item.verification == "links_here"
    assert "京都の紅葉情報まとめ" in approve_and_show(client, post, item)


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("shift_jis", "Shift_JIS"),
        ("euc_jp", "EUC-JP"),
        ("iso2022_jp", "ISO-2022-JP"),
        ("utf-8", None),
    ],
)
def test_2004_style_japanese_post_over_http(kiji, encoding, declared):
    post = make_post()
    fields = {"url": "http://blog.example.jp/archives/000123.html", "title": "日本語のタイトル"}
    body = "&".join(f"{k}={quote_from_bytes(v.encode(encoding))}" for k, v in fields.items())
    if declared:
        body += f"&charset={declared}"
    request = urllib.request.Request(
        f"{kiji.url}/trackback/{post.pk}/",
        data=body.encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert b"<error>0</error>" in response.read()
    assert Trackback.objects.get().title == "日本語のタイトル"


def test_xmlrpc_client_pingback(kiji, client, web, settings):
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = True
    post = make_post("Pingback target")
    target = page_url(kiji, post)
    source = web.add(
        "/entry", f"<html><head><title>わたしの記事</title></head><body><a href='{target}'>t</a>"
    )
    # Closed after use, so no kept-alive connection outlives the live server's test.
    with xmlrpc.client.ServerProxy(f"{kiji.url}/trackback/xmlrpc/") as proxy:
        assert "received" in proxy.pingback.ping(source, target)
        with pytest.raises(xmlrpc.client.Fault) as info:
            proxy.pingback.ping(source, target)
    assert info.value.faultCode == 48
    item = Trackback.objects.get()
    assert (item.kind, item.title, item.verification) == ("pingback", "わたしの記事", "links_here")
    assert "わたしの記事" in approve_and_show(client, post, item)


def test_ronkyuu_webmention_with_discovery(kiji, web, settings):
    import ronkyuu

    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = True
    post = make_post("Webmention target")
    target = page_url(kiji, post)
    status, endpoint = ronkyuu.discoverEndpoint(target, test_urls=False)[:2]
    assert (status, endpoint) == (200, f"{kiji.url}/trackback/webmention/")
    source = web.add("/reply", f"<p>Replying to <a href='{target}'>this</a></p>")
    response = ronkyuu.sendWebmention(source, target, test_urls=False)
    assert response.status_code == 202
    item = Trackback.objects.get()
    assert (item.kind, item.verification, item.status) == ("webmention", "links_here", "pending")


def test_kiji_pings_kiji_end_to_end(kiji, client, settings):
    """One post links to another and lists its TrackBack URL; both pings arrive and verify."""
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = True
    target = make_post("The post being discussed")
    target_url = page_url(kiji, target)
    other = make_post("Second target")
    # Pages on "another" Kiji: the same server under another name, so links are not "own".
    host = urlsplit(kiji.url)
    settings.KIJI_SITE_URL = f"http://localhost:{host.port}"
    with transaction.atomic():
        source = make_post(
            "京都の旅の続き",
            body=f"See [this post]({target_url}) and [that one]({page_url(kiji, other)}).",
            ping_urls=f"{kiji.url}/trackback/{other.pk}/",
        )
    outcomes = {p.target_url: (p.kind, p.status, p.message) for p in OutgoingPing.objects.all()}
    assert outcomes == {
        target_url: ("webmention", "sent", ""),
        f"{kiji.url}/trackback/{other.pk}/": ("trackback", "sent", ""),
        # The same source mentioning the same post again updates the stored ping.
        page_url(kiji, other): ("webmention", "sent", ""),
    }
    mention = Trackback.objects.get(post=target)
    assert (mention.kind, mention.verification) == ("webmention", "links_here")
    assert mention.title.startswith("京都の旅の続き")
    trackback = Trackback.objects.get(post=other)
    assert trackback.kind == "trackback"
    assert trackback.title == "京都の旅の続き"
    assert trackback.blog_name == settings.KIJI_SITE_TITLE
    assert trackback.verification == "links_here"
    # Saving the published post again pings nobody twice.
    sent_at = sorted(OutgoingPing.objects.values_list("sent_at", flat=True))
    with transaction.atomic():
        source.save()
    assert sorted(OutgoingPing.objects.values_list("sent_at", flat=True)) == sent_at
    assert Trackback.objects.count() == 2
