"""The TrackBack, Pingback and Webmention receivers, and source verification."""

import xmlrpc.client
from datetime import timedelta
from urllib.parse import quote_from_bytes, urlencode

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from blog.models import Post
from moderation.models import Status
from moderation.services import moderate
from tests.factories import make_post
from trackbacks.models import Trackback

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.KIJI_SITE_URL = "http://testserver"
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = False


@pytest.fixture
def post(db):
    return make_post("Autumn in Kyoto", slug="autumn-in-kyoto")


def tb_url(post) -> str:
    return reverse("trackbacks:ping", args=[post.pk])


def permalink(post) -> str:
    return "http://testserver" + iri_to_uri(post.get_absolute_url())


def ping(client, post, body: bytes | dict, content_type: str = FORM, **extra):
    if isinstance(body, dict):
        body = urlencode(body).encode()
    return client.generic("POST", tb_url(post), body, content_type=content_type, **extra)


def xml_error(response) -> str | None:
    body = response.content.decode()
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    if "<error>0</error>" in body:
        return None
    assert "<error>1</error>" in body
    return body.split("<message>", 1)[1].split("</message>", 1)[0]


# TrackBack -------------------------------------------------------------------------------------


def test_a_ping_is_stored_pending_and_answered_with_the_spec_xml(client, post):
    response = ping(
        client,
        post,
        {"url": "http://other.example/p/1", "title": "T", "excerpt": "E", "blog_name": "B"},
    )
    assert response.status_code == 200
    assert response.content == (
        b'<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>0</error>\n</response>\n'
    )
    item = Trackback.objects.get()
    assert (item.kind, item.url, item.title, item.excerpt, item.blog_name) == (
        "trackback",
        "http://other.example/p/1",
        "T",
        "E",
        "B",
    )
    assert item.status == Status.PENDING
    assert item.status_reason
    assert item.ip_address == "127.0.0.1"
    assert item.target_url == permalink(post)


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("cp932", "Shift_JIS"),
        ("euc_jp", "EUC-JP"),
        ("iso2022_jp", "ISO-2022-JP"),
        ("utf-8", "UTF-8"),
        ("cp932", None),
        ("euc_jp", None),
        ("iso2022_jp", None),
        ("utf-8", None),
        ("cp932", "EUC-JP"),
        ("euc_jp", "Shift_JIS"),
    ],
)
@pytest.mark.parametrize("where", ["header", "field"])
def test_japanese_pings_arrive_as_correct_text(client, post, encoding, label, where):
    title, blog = "京都の紅葉情報まとめ", "旅とカメラ"
    fields = [("url", b"http://travel.example.jp/archives/000123.html")]
    fields += [("title", title.encode(encoding)), ("blog_name", blog.encode(encoding))]
    if label and where == "field":
        fields.append(("charset", label.encode()))
    body = "&".join(f"{k}={quote_from_bytes(v)}" for k, v in fields).encode()
    content_type = f"{FORM}; charset={label}" if label and where == "header" else FORM
    response = ping(client, post, body, content_type)
    assert response.status_code == 200
    assert xml_error(response) is None
    item = Trackback.objects.get()
    assert (item.title, item.blog_name) == (title, blog)


def test_a_csrf_enforcing_client_can_ping(post):
    response = ping(Client(enforce_csrf_checks=True), post, {"url": "http://a.example/p"})
    assert xml_error(response) is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"title": "no url"}, "You need to provide a Source URL (url)."),
        ({"url": "javascript:alert(1)"}, "Invalid URL &#39;javascript:alert(1)&#39;"),
        ({"url": "http://a.example/p", "charset": "UTF-7"}, "The UTF-7 character set"),
    ],
)
def test_bad_pings_get_an_xml_error(client, post, body, message):
    response = ping(client, post, body)
    assert response.status_code == 200
    assert message in xml_error(response)
    assert not Trackback.objects.exists()


def test_unknown_and_unpublished_posts(client, post):
    draft = make_post(status=Post.Status.DRAFT)
    future = make_post(published_at=timezone.now() + timedelta(days=1))
    for target in (draft, future):
        response = ping(client, target, {"url": "http://a.example/p"})
        assert xml_error(response) == f"Invalid TrackBack ID &#39;{target.pk}&#39;"
    response = client.post("/trackback/999999/", "url=http://a.example/p", content_type=FORM)
    assert xml_error(response) == "Invalid TrackBack ID &#39;999999&#39;"


def test_closed_posts_refuse_pings(client, post, settings):
    closed = make_post(pings_enabled=False)
    assert "closed" in xml_error(ping(client, closed, {"url": "http://a.example/p"}))
    settings.KIJI_CLOSE_DISCUSSION_AFTER_DAYS = 1
    old = make_post(published_at=timezone.now() - timedelta(days=3))
    assert "closed" in xml_error(ping(client, old, {"url": "http://a.example/p"}))
    assert not Trackback.objects.exists()


def test_a_repeated_ping_answers_success_and_stores_one_row(client, post):
    for _ in range(3):
        response = ping(client, post, {"url": "http://a.example/p", "title": "Again"})
        assert xml_error(response) is None
    assert Trackback.objects.count() == 1


def test_throttling_answers_403_in_xml(client, post, settings):
    settings.KIJI_TRACKBACKS_PER_IP_PER_MINUTE = 2
    for n in range(2):
        assert xml_error(ping(client, post, {"url": f"http://a.example/{n}"})) is None
    response = ping(client, post, {"url": "http://a.example/3"})
    assert response.status_code == 403
    assert "too quickly" in xml_error(response)
    assert Trackback.objects.count() == 2


def test_per_post_hourly_limit(client, post, settings):
    settings.KIJI_TRACKBACKS_PER_IP_PER_MINUTE = 0
    settings.KIJI_TRACKBACKS_PER_POST_PER_HOUR = 3
    statuses = [ping(client, post, {"url": f"http://a.example/{n}"}).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 403]


def test_an_oversized_body_is_refused(client, post, settings):
    settings.KIJI_TRACKBACKS_MAX_BODY_BYTES = 1000
    response = ping(client, post, {"url": "http://a.example/p", "excerpt": "x" * 2000})
    assert xml_error(response) == "The ping is too large."


def test_multipart_gets_an_xml_error(client, post):
    response = client.post(tb_url(post), {"url": "http://a.example/p"})  # multipart by default
    assert "x-www-form-urlencoded" in xml_error(response)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"&&&",
        b"=",
        b"url",
        b"%",
        b"url=%ZZ",
        b"\xff\xfe\x00",
        b"url=http://[::1",
        b"a" * 500,
        b"url=http://a.example/%00&title=%00",
    ],
)
def test_garbage_never_crashes(client, post, body):
    response = ping(client, post, body)
    assert response.status_code == 200
    assert xml_error(response)


def test_get_without_parameters_leads_to_the_post(client, post):
    response = client.get(tb_url(post))
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    assert client.get("/trackback/999999/").status_code == 404


def test_legacy_get_ping_is_answered_in_xml_and_held(client, post, settings):
    settings.KIJI_SPAM_CHECKS = []
    response = client.get(tb_url(post) + "?url=http%3A%2F%2Fa.example%2Fp&title=Old+client")
    assert xml_error(response) is None
    item = Trackback.objects.get()
    assert item.title == "Old client"
    assert item.status == Status.PENDING
    assert "GET" in item.status_reason


def test_rss_mode_lists_approved_pings_only(client, post):
    approved = Trackback.objects.create(
        post=post, kind="trackback", url="http://a.example/ok", title="Good & kind",
        excerpt="Nice", status=Status.APPROVED,
    )  # fmt: skip
    Trackback.objects.create(post=post, kind="trackback", url="http://a.example/p", title="Held")
    response = client.get(tb_url(post) + "?__mode=rss")
    body = response.content.decode()
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert "<error>0</error>" in body and '<rss version="0.91">' in body
    assert f"<link>{approved.url}</link>" in body
    assert "Good &amp; kind" in body
    assert "Held" not in body


def test_spam_rules_apply_to_pings(client, post, settings):
    settings.KIJI_SPAM_BLOCKLIST_WORDS = ["casino"]
    ping(client, post, {"url": "http://a.example/1", "title": "Best casino"})
    ping(
        client,
        post,
        {
            "url": "http://a.example/2",
            "excerpt": "http://x.example http://y.example http://z.example",
        },
    )
    spam, held = Trackback.objects.order_by("pk")
    assert spam.status == Status.SPAM
    assert "casino" in spam.status_reason
    assert held.status == Status.PENDING
    assert "links" in held.status_reason


def test_the_author_is_notified_with_one_click_links(
    client, post, django_capture_on_commit_callbacks
):
    post.author.email = "author@example.com"
    post.author.save()
    with django_capture_on_commit_callbacks(execute=True):
        ping(client, post, {"url": "http://a.example/p", "title": "京都", "blog_name": "旅"})
    [message] = mail.outbox
    assert message.to == ["author@example.com"]
    assert "TrackBack" in message.subject
    assert "京都" in message.body and "http://a.example/p" in message.body
    assert "/moderation/" in message.body


def test_the_one_click_email_link_approves_a_ping(client, post, django_capture_on_commit_callbacks):
    post.author.email = "author@example.com"
    post.author.save()
    with django_capture_on_commit_callbacks(execute=True):
        ping(client, post, {"url": "http://a.example/p", "title": "Click me"})
    [message] = mail.outbox
    approve = next(
        line.split(": ", 1)[1] for line in message.body.splitlines() if line.startswith("Approve")
    )
    path = approve.removeprefix("http://testserver")
    page = client.get(path)
    assert "Click me" in page.content.decode()
    assert Trackback.objects.get().status == Status.PENDING  # a GET changes nothing
    client.post(path)
    assert Trackback.objects.get().status == Status.APPROVED
    assert "Click me" in client.get(post.get_absolute_url()).content.decode()


# Source verification ---------------------------------------------------------------------------


def source_page(link: str) -> str:
    return f"<html><head><title>A page</title></head><body><p>See <a href='{link}'>this</a>.</p>"


@pytest.fixture
def verifying(settings, web):
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = True
    return web


def test_a_source_linking_here_is_recorded(
    client, post, verifying, django_capture_on_commit_callbacks
):
    source = verifying.add("/post", source_page(permalink(post)))
    with django_capture_on_commit_callbacks(execute=True):
        ping(client, post, {"url": source})
    item = Trackback.objects.get()
    assert item.verification == Trackback.Verification.LINKS_HERE
    assert item.status == Status.PENDING
    assert "links here" in item.status_reason


def test_a_source_not_linking_here_is_spam_by_default(
    client, post, verifying, django_capture_on_commit_callbacks
):
    source = verifying.add("/post", source_page("http://elsewhere.example/"))
    with django_capture_on_commit_callbacks(execute=True):
        ping(client, post, {"url": source})
    item = Trackback.objects.get()
    assert item.verification == Trackback.Verification.NO_LINK
    assert item.status == Status.SPAM
    assert "does not link here" in item.status_reason
    assert mail.outbox == []


def test_a_source_not_linking_here_can_be_held_instead(
    client, post, verifying, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_TRACKBACKS_UNVERIFIED = "hold"
    source = verifying.add("/post", source_page("http://elsewhere.example/"))
    with django_capture_on_commit_callbacks(execute=True):
        ping(client, post, {"url": source})
    item = Trackback.objects.get()
    assert (item.status, item.verification) == (Status.PENDING, "no_link")


def test_an_unreachable_source_is_held_with_the_reason(
    client, post, verifying, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ping(client, post, {"url": verifying.url("/missing")})
    item = Trackback.objects.get()
    assert item.verification == Trackback.Verification.UNREACHABLE
    assert item.status == Status.PENDING
    assert "HTTP 404" in item.status_reason


def test_a_private_address_source_is_never_fetched(
    client, post, verifying, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ping(client, post, {"url": "http://169.254.169.254/latest/meta-data/"})
    item = Trackback.objects.get()
    assert item.verification == Trackback.Verification.UNREACHABLE
    assert "non-public" in item.status_reason


# Pingback --------------------------------------------------------------------------------------


def pingback(client, source: str, target: str, method: str = "pingback.ping"):
    body = xmlrpc.client.dumps((source, target), method)
    response = client.generic("POST", reverse("trackbacks:xmlrpc"), body, content_type="text/xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return xmlrpc.client.loads(response.content)[0][0]


def fault_of(call) -> tuple[int, str]:
    with pytest.raises(xmlrpc.client.Fault) as info:
        call()
    return info.value.faultCode, info.value.faultString


def test_pingback_is_registered_and_verified(
    client, post, verifying, django_capture_on_commit_callbacks
):
    source = verifying.add("/entry", source_page(permalink(post)))
    with django_capture_on_commit_callbacks(execute=True):
        result = pingback(client, source, permalink(post))
    assert "received" in result
    item = Trackback.objects.get()
    assert (item.kind, item.url, item.target_url) == ("pingback", source, permalink(post))
    assert item.verification == "links_here"
    assert item.title == "A page"
    assert "this" in item.excerpt
    assert item.blog_name == "127.0.0.1"


def test_pingback_already_registered_is_fault_48(client, post):
    pingback(client, "http://a.example/p", permalink(post))
    code, message = fault_of(lambda: pingback(client, "http://a.example/p", permalink(post)))
    assert code == 48
    assert "already been registered" in message


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("http://a.example/p", "http://testserver/2001/01/01/no-such-post/"),
        ("http://a.example/p", "http://elsewhere.example/2001/01/01/autumn-in-kyoto/"),
        ("not a url", "{permalink}"),
        ("{permalink}", "{permalink}"),
        ("http://a.example/p", "http://testserver/"),
    ],
)
def test_every_other_pingback_failure_is_the_generic_fault(client, post, source, target):
    url = permalink(post)
    code, message = fault_of(
        lambda: pingback(client, source.format(permalink=url), target.format(permalink=url))
    )
    assert code == 0
    assert message == "The pingback was not registered."
    assert not Trackback.objects.exists()


def test_pingback_to_a_closed_post_is_the_generic_fault(client):
    closed = make_post(pings_enabled=False)
    code, _message = fault_of(lambda: pingback(client, "http://a.example/p", permalink(closed)))
    assert code == 0


def test_xmlrpc_transport_errors(client):
    response = client.generic(
        "POST", reverse("trackbacks:xmlrpc"), b"<oops", content_type="text/xml"
    )
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(response.content)
    assert info.value.faultCode == -32700
    code, _ = fault_of(lambda: pingback(client, "a", "b", method="weblogUpdates.ping"))
    assert code == -32601
    assert client.get(reverse("trackbacks:xmlrpc")).status_code == 405


def test_system_list_methods(client):
    body = xmlrpc.client.dumps((), "system.listMethods")
    response = client.generic("POST", reverse("trackbacks:xmlrpc"), body, content_type="text/xml")
    assert "pingback.ping" in xmlrpc.client.loads(response.content)[0][0]


# Webmention ------------------------------------------------------------------------------------


def webmention(client, **data):
    return client.post(reverse("trackbacks:webmention"), urlencode(data), content_type=FORM)


def test_webmention_is_queued_with_202(client, post):
    response = webmention(client, source="http://a.example/reply", target=permalink(post))
    assert response.status_code == 202
    assert not response.has_header("Location")
    item = Trackback.objects.get()
    assert (item.kind, item.status) == ("webmention", Status.PENDING)


@pytest.mark.parametrize(
    "data",
    [
        {"source": "garbage", "target": "{permalink}"},
        {"source": "http://a.example/reply", "target": "garbage"},
        {"source": "garbage", "target": "garbage"},
        {"source": "{permalink}", "target": "{permalink}"},
        {"target": "{permalink}"},
        {"source": "http://a.example/reply", "target": "http://elsewhere.example/x"},
        {"source": "http://a.example/reply", "target": "http://testserver/2001/01/01/none/"},
    ],
)
def test_invalid_webmentions_get_400(client, post, data):
    url = permalink(post)
    response = webmention(client, **{k: v.format(permalink=url) for k, v in data.items()})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert not Trackback.objects.exists()


def test_webmention_to_a_closed_post_is_400(client):
    closed = make_post(pings_enabled=False)
    assert (
        webmention(client, source="http://a.example/r", target=permalink(closed)).status_code == 400
    )


def test_webmention_get_is_not_allowed(client):
    assert client.get(reverse("trackbacks:webmention")).status_code == 405


def test_webmention_updates_and_deletions_on_redelivery(
    client, post, verifying, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_TRACKBACKS_PER_IP_PER_MINUTE = 0
    target = permalink(post)
    source = verifying.add("/reply", source_page(target))

    def deliver():
        with django_capture_on_commit_callbacks(execute=True):
            assert webmention(client, source=source, target=target).status_code == 202
        return Trackback.objects.get()

    item = deliver()
    assert item.verification == "links_here"
    moderate(item, status=Status.APPROVED)

    verifying.add("/reply", "<p>The link was removed.</p>")
    item = deliver()
    assert (item.verification, item.status) == ("no_link", Status.REJECTED)
    assert "Deleted at the source" in item.status_reason

    verifying.add("/reply", source_page(target))
    item = deliver()
    assert (item.verification, item.status) == ("links_here", Status.PENDING)

    verifying.add("/reply", "gone", status=410)
    item = deliver()
    assert (item.verification, item.status) == ("gone", Status.REJECTED)
    assert Trackback.objects.count() == 1


def test_webmention_exact_url_matching(client, post, verifying, django_capture_on_commit_callbacks):
    target = permalink(post)
    source = verifying.add("/near", source_page(target + "extra/"))
    with django_capture_on_commit_callbacks(execute=True):
        webmention(client, source=source, target=target)
    assert Trackback.objects.get().verification == "no_link"
