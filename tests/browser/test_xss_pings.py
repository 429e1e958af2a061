"""The XSS corpus through every TrackBack field and Webmention source page, rendered
in Chromium where pings show.

Each payload of `tests.security.xss_payloads` goes into one field of a real
TrackBack ping (title, excerpt, blog_name, url; the others valid). Pings are
stored as plain text (trackbacks/cleaning.py); what is stored is approved and
shown on the post page and the admin's ping list, and mailed to the author.
Asserted: no script ran, nothing injected, and what the page shows is what is
stored, with no markup surviving in it.
"""

import re
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import iri_to_uri

from moderation.models import Status
from tests.browser.test_xss_corpus import bad_attributes, fold, log_in
from tests.factories import make_post, make_user
from tests.security.watch import Watch
from tests.security.xss_payloads import PAYLOADS
from trackbacks.admin import TrackbackAdmin
from trackbacks.models import Trackback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIELDS = ["title", "excerpt", "blog_name", "url"]
PING_MARKUP = {"p": {"class"}, "a": {"href", "rel", "class"}, "span": {"class"},
               "time": {"datetime"}}  # fmt: skip
ACCEPTED = re.compile(r"<error>0</error>")

_PINGS = """() => [...document.querySelectorAll("li.trackback")].map((li) => ({
  id: li.id,
  title: li.querySelector(".trackback-title").innerText,
  href: li.querySelector(".trackback-title a").getAttribute("href"),
  excerpt: li.querySelector(".trackback-excerpt")?.innerText ?? "",
  blog: li.querySelector(".trackback-blog")?.innerText ?? "",
  elements: [...li.querySelectorAll("*")].map((el) => ({tag: el.localName,
    attrs: Object.fromEntries([...el.attributes].map((a) => [a.name, a.value]))})),
}))"""


@pytest.fixture
def pinged(settings):
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = False
    settings.KIJI_TRACKBACKS_PER_IP_PER_MINUTE = 0
    settings.KIJI_TRACKBACKS_PER_POST_PER_HOUR = 0
    settings.KIJI_TRACKBACKS_PER_POST_PER_DAY = 0
    owner = make_user("owner", is_staff=True, is_superuser=True, email="owner@example.com")
    return make_post("Pinged post", author=owner)


def send_pings(post, field: str) -> int:
    client = Client()
    accepted = 0
    for n, payload in enumerate(PAYLOADS):
        data = {
            "url": f"https://blog{n}.example.com/entry",
            "title": f"Entry {n}",
            "excerpt": "An excerpt.",
            "blog_name": "A blog",
            field: payload,
        }
        response = client.post(
            reverse("trackbacks:ping", args=[post.pk]),
            urlencode(data),
            content_type="application/x-www-form-urlencoded; charset=utf-8",
        )
        assert response.status_code == 200, payload
        assert response["Content-Type"].startswith("text/xml")
        accepted += bool(ACCEPTED.search(response.content.decode()))
    Trackback.objects.update(status=Status.APPROVED)
    return accepted


@pytest.mark.parametrize("field", FIELDS)
def test_ping_payloads_never_run_and_show_as_stored(live_server, page, pinged, field, monkeypatch):
    watch = Watch(page)
    accepted = send_pings(pinged, field)
    stored = {f"trackback-{t.pk}": t for t in Trackback.objects.all()}
    # Most payloads are no web address: the url field takes only a few of them.
    assert len(stored) == accepted >= (len(PAYLOADS) if field != "url" else 1)

    for message in mail.outbox:
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])

    page.goto(live_server.url + pinged.get_absolute_url())
    watch.settle()
    assert watch.script_ran() == []
    shown = page.evaluate(_PINGS)
    assert {s["id"] for s in shown} == set(stored)
    problems = {}
    for ping in shown:
        item = stored[ping["id"]]
        wrong = bad_attributes(ping["elements"], PING_MARKUP)
        if fold(ping["title"]) != fold(item.title):
            wrong.append(f"title {ping['title']!r} but stored {item.title!r}")
        if fold(ping["excerpt"]) != fold(item.excerpt):
            wrong.append(f"excerpt {ping['excerpt']!r}")
        if item.blog_name and fold(item.blog_name) not in fold(ping["blog"]):
            wrong.append(f"blog name {ping['blog']!r}")
        if ping["href"] != item.url:
            wrong.append(f"link {ping['href']!r}")
        if wrong:
            problems[getattr(item, field)] = wrong
    assert problems == {}

    monkeypatch.setattr(TrackbackAdmin, "list_per_page", len(PAYLOADS) + 10)
    log_in(page, live_server)
    page.goto(live_server.url + reverse("admin:trackbacks_trackback_changelist") + "?status=all")
    watch.settle()
    assert watch.script_ran() == []
    rows = page.evaluate(
        "() => [...document.querySelectorAll('#result_list tbody tr')].map(tr =>"
        " [...tr.querySelectorAll('*')].map(el => ({tag: el.localName,"
        "   attrs: Object.fromEntries([...el.attributes].map(x => [x.name, x.value]))})))"
    )
    allowed = {"td": {"class"}, "th": {"class"}, "a": {"href", "rel"},
               "input": {"type", "name", "value", "class", "aria-label"}}  # fmt: skip
    assert len(rows) == len(stored)
    assert [p for row in rows for p in bad_attributes(row, allowed)] == []


@pytest.fixture
def web(settings):
    from tests.trackbacks.conftest import WebServer

    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    server = WebServer()
    yield server
    server.stop()


def test_webmention_sources_titles_and_excerpts_never_run(live_server, page, pinged, web, settings):
    """Webmention and Pingback carry no text: it comes from the source page, fetched."""
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = True
    settings.KIJI_SITE_URL = "http://testserver"
    target = "http://testserver" + iri_to_uri(pinged.get_absolute_url())
    client = Client()
    for n, payload in enumerate(PAYLOADS):
        escaped = payload.replace("&", "&amp;").replace("<", "&lt;")
        source = web.add(
            f"/reply/{n}",
            f"<html><head><title>{escaped}</title></head><body>"
            f"<p>{payload} <a href='{target}'>{escaped}</a> {payload}</p></body></html>",
        )
        response = client.post(
            reverse("trackbacks:webmention"),
            urlencode({"source": source, "target": target}),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 202, payload
    verified = Trackback.objects.filter(verification=Trackback.Verification.LINKS_HERE)
    assert verified.count() >= len(PAYLOADS) - 10
    Trackback.objects.update(status=Status.APPROVED)
    stored = {f"trackback-{t.pk}": t for t in Trackback.objects.all()}
    # The titles and excerpts shown are the ones taken from the hostile pages.
    assert sum(bool(t.excerpt) for t in stored.values()) >= 100
    assert sum(t.title != t.url for t in stored.values()) >= 100

    watch = Watch(page)
    page.goto(live_server.url + pinged.get_absolute_url())
    watch.settle()
    shown = page.evaluate(_PINGS)

    assert watch.script_ran() == []
    assert {s["id"] for s in shown} == set(stored)
    problems = {}
    for ping in shown:
        item = stored[ping["id"]]
        wrong = bad_attributes(ping["elements"], PING_MARKUP)
        if fold(ping["title"]) != fold(item.title) or fold(ping["excerpt"]) != fold(item.excerpt):
            wrong.append(f"shown {ping['title']!r} / {ping['excerpt']!r}")
        if wrong:
            problems[item.url] = wrong
    assert problems == {}
