"""The XSS corpus through every comment field, rendered in Chromium wherever it is shown.

Each payload of `tests.security.xss_payloads` is sent through the real form
in one field (the others valid). What the form accepts is approved and shown
on the post page, in the comment feeds (their HTML rendered as a feed reader
would, with no CSP to help), in the admin list and change pages and in the
author's notification email. Asserted on every page: no dialog, print() or
title change (no script ran), no element or attribute outside what the page
itself puts there, and the visible text is what was sent. The non-browser
checks of tests/comments/test_xss.py stay as they are; this suite adds the
browser and the bigger corpus.

Many payloads are shown per page load: one post page, one feed page, one
admin list per field. The admin change page is loaded once per payload, with
the payload in every field at once (stored directly, as an import might).
"""

import re
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments.admin import CommentAdmin
from comments.models import Comment
from moderation.models import Status
from tests.comments.helpers import send
from tests.comments.test_xss import FIELDS, VALID
from tests.factories import make_post, make_user
from tests.security.watch import Watch
from tests.security.xss_payloads import PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What comments.markup may produce inside a comment body, and with which attributes.
BODY_MARKUP = {"p": set(), "br": set(), "b": set(), "i": set(), "em": set(), "strong": set(),
               "code": set(), "q": set(), "a": {"href", "rel"}}  # fmt: skip
INLINE_TAG = re.compile(
    r"</?(?:b|i|em|strong|code|q)(?=[\s/>])(?:\"[^\"]*\"|'[^']*'|[^'\">])*>", re.IGNORECASE
)

# One walk over a part of the page: every element with its attributes, and its text.
_DESCRIBE = """
(roots) => roots.map((root) => ({
  id: root.id,
  text: root.innerText,
  elements: [...root.querySelectorAll("*")].map((el) => ({
    tag: el.localName,
    attrs: Object.fromEntries([...el.attributes].map((a) => [a.name, a.value])),
    cls: el.className && el.className.baseVal === undefined ? el.className : "",
  })),
}))
"""


def squash(text: str) -> str:
    return "".join(text.split())


def fold(text: str) -> str:
    return " ".join(text.split())


def bad_attributes(elements, allowed_tags: dict[str, set[str]] | None = None) -> list[str]:
    """Elements or attributes a payload could have injected."""
    found = []
    for el in elements:
        tag, attrs = el["tag"], el["attrs"]
        if allowed_tags is not None and tag not in allowed_tags:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                found.append(f"<{tag} {name}>")
            if allowed_tags is not None and name not in allowed_tags.get(tag, set()):
                found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "xlink:href", "data") and squash(
                value
            ).lower().startswith(("javascript:", "data:", "vbscript:")):
                found.append(f"<{tag} {name}={value!r}>")
    return found


def stored_value(comment: Comment, field: str) -> str:
    return {
        "name": comment.author_name,
        "email": comment.author_email,
        "url": comment.author_url,
        "text": comment.text,
    }[field]


def expected_body_text(payload: str) -> str:
    """What a reader should see of a comment's text: all of it, less the inline tags kept.

    A control character (which the form refuses; only stored text can hold
    one) shows as "?".
    """
    text = "".join(
        "?" if unicodedata.category(c) == "Cc" and not c.isspace() else c for c in payload
    )
    return squash(INLINE_TAG.sub("", text))


@pytest.fixture
def attacked(settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    settings.KIJI_COMMENTS_PER_MINUTE = 0
    settings.KIJI_FEED_ITEMS = len(PAYLOADS) + 10
    settings.KIJI_COMMENTS_PER_PAGE = len(PAYLOADS) + 10
    owner = make_user("owner", is_staff=True, is_superuser=True, email="owner@example.com")
    return make_post("Attacked post", author=owner)


def send_all(post, field: str) -> dict[int, str]:
    """Send every payload in `field`; return {comment id: payload} for those stored."""
    client = Client()
    stored, refused = {}, 0
    for n, payload in enumerate(PAYLOADS):
        data = {**VALID, "text": f"{VALID['text']} {n}", field: payload}
        if field == "email":
            data["text"] = f"{VALID['text']} {n}"
        response = send(client, post, **data)
        assert response.status_code in (302, 400), (payload, response.status_code)
        if response.status_code == 400:
            refused += 1
            continue
        pk = int(response["Location"].rsplit("#comment-", 1)[1])
        stored.setdefault(pk, payload)
    assert len(stored) + refused >= len(PAYLOADS) - 5  # a few may fold into one (NFKC)
    Comment.objects.update(status=Status.APPROVED)
    return stored


def check_post_page(page, watch, live_server, post, field, stored) -> None:
    page.goto(live_server.url + post.get_absolute_url())
    watch.settle()
    assert watch.script_ran() == []
    comments = page.evaluate(
        _DESCRIBE.replace("(roots) =>", "() => ((roots) =>")
        + ")([...document.querySelectorAll('li.comment')])"
    )
    by_id = {int(c["id"].removeprefix("comment-")): c for c in comments}
    assert set(by_id) == set(stored)
    problems = {}
    for pk, payload in stored.items():
        shown = by_id[pk]
        body = page.evaluate(
            "(id) => { const li = document.getElementById(id); return {"
            " author: li.querySelector('.comment-author').innerText,"
            " href: li.querySelector('.comment-author a')?.getAttribute('href') ?? null,"
            " body: li.querySelector('.comment-body').innerText,"
            " bodyElements: [...li.querySelectorAll('.comment-body *')].map(el => ({"
            "   tag: el.localName,"
            "   attrs: Object.fromEntries([...el.attributes].map(a => [a.name, a.value]))}))}; }",
            shown["id"],
        )
        wrong = bad_attributes(shown["elements"]) + bad_attributes(
            body["bodyElements"], BODY_MARKUP
        )
        comment = Comment.objects.get(pk=pk)
        if field == "name" and fold(body["author"]) != fold(payload):
            wrong.append(f"name shown as {body['author']!r}")
        if field == "url" and body["href"] != comment.author_url:
            wrong.append(f"website link {body['href']!r}")
        if field == "url" and comment.author_url not in (
            payload.strip(),
            "https://" + payload.strip(),
        ):
            wrong.append(f"website stored as {comment.author_url!r}")
        if field == "text" and squash(body["body"]) != expected_body_text(payload):
            wrong.append(f"text shown as {body['body']!r}")
        if wrong:
            problems[payload] = wrong
    assert problems == {}


def check_feeds(page, watch, post, stored) -> None:
    client = Client()
    for url in (reverse("comments:feed-rss"), reverse("comments:post-feed-atom", args=[post.pk])):
        root = ET.fromstring(client.get(url).content)
        html = [
            el.text or ""
            for el in root.iter()
            if el.tag.split("}")[-1] in ("description", "summary", "content")
            and (el.text or "").startswith("<p>")
        ]
        assert len(html) == len(stored), url
        # A feed reader with no CSP of its own: the sanitising alone must hold.
        page.goto("about:blank")
        page.set_content(
            "<!DOCTYPE html><body>"
            + "".join(f'<article class="entry">{h}</article>' for h in html)
            + "</body>"
        )
        watch.settle()
        assert watch.script_ran() == [], url
        entries = page.evaluate(
            "() => [...document.querySelectorAll('article.entry')].map(a => "
            "[...a.querySelectorAll('*')].map(el => ({tag: el.localName,"
            " attrs: Object.fromEntries([...el.attributes].map(x => [x.name, x.value]))})))"
        )
        problems = [p for entry in entries for p in bad_attributes(entry, BODY_MARKUP)]
        assert problems == [], url


def log_in(page, live_server) -> None:
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


_CHANGE_FORM = """() => ({
  name: document.querySelector("#id_author_name").value,
  email: document.querySelector("#id_author_email").value,
  text: document.querySelector("#id_text").value,
  shown: document.querySelector(".field-rendered_text .readonly").innerText,
  injected: [...document.querySelectorAll("#content-main *")].filter((el) =>
    [...el.attributes].some((a) => a.name.startsWith("on") || ["style", "srcdoc"].includes(a.name))
    || ["iframe", "object", "embed", "math", "style", "base", "meta", "video", "audio",
        "marquee", "svg"].includes(el.localName)
    // The admin's own scripts and icons come from its static files.
    || (["script", "img"].includes(el.localName)
        && !(el.getAttribute("src") || "").startsWith("/static/admin/"))
  ).map((el) => el.outerHTML.slice(0, 120)),
})"""


def one_line(text: str) -> str:
    return text.replace("\r", "").replace("\n", "")


def newlines(text: str) -> str:
    """A textarea's value has its line breaks as "\\n" only."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_admin_list(page, watch, live_server, field, stored, monkeypatch) -> None:
    monkeypatch.setattr(CommentAdmin, "list_per_page", len(PAYLOADS) + 10)
    log_in(page, live_server)
    page.goto(live_server.url + reverse("admin:comments_comment_changelist") + "?status=all")
    watch.settle()
    assert watch.script_ran() == []
    rows = page.evaluate(
        "() => [...document.querySelectorAll('#result_list tbody tr')].map(tr => ({"
        " name: tr.querySelector('.field-author_name').innerText,"
        " email: tr.querySelector('.field-author_email').innerText,"
        " elements: [...tr.querySelectorAll('*')].map(el => ({tag: el.localName,"
        "   attrs: Object.fromEntries([...el.attributes].map(x => [x.name, x.value]))}))}))"
    )
    assert len(rows) == len(stored)
    allowed = {
        "td": {"class"},
        "th": {"class"},
        # The desk's own Reply button is a link with a class.
        "a": {"href", "class"},
        "input": {"type", "name", "value", "class", "aria-label"},
    }
    problems = [p for row in rows for p in bad_attributes(row["elements"], allowed)]
    assert problems == []
    if field in ("name", "email"):
        shown = {fold(row[field]) for row in rows}
        assert {fold(p) for p in stored.values()} <= shown


def check_emails(field, stored) -> None:
    by_text = {m.body: m for m in mail.outbox}
    assert len(mail.outbox) >= len(stored) - 5
    for message in mail.outbox:
        # Plain text only: nothing a mail client would render as HTML.
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", [])
    for pk, payload in stored.items():
        comment = Comment.objects.get(pk=pk)
        if comment.status_reason.startswith("Spam"):
            continue
        assert any(stored_value(comment, field) in body for body in by_text), payload


@pytest.mark.parametrize("field", FIELDS)
def test_payloads_never_run_and_read_as_sent(live_server, page, attacked, field, monkeypatch):
    watch = Watch(page)
    stored = send_all(attacked, field)

    check_emails(field, stored)
    check_post_page(page, watch, live_server, attacked, field, stored)
    check_feeds(page, watch, attacked, stored)
    check_admin_list(page, watch, live_server, field, stored, monkeypatch)


def test_admin_change_page_shows_every_payload_inert(live_server, page, attacked):
    """Each payload in every field at once, stored as an import could store it (no form)."""
    watch = Watch(page)
    comments = [
        Comment.objects.create(
            post=attacked,
            author_name=payload[:100],
            author_email=payload[:254],
            author_url=payload[:200],
            text=payload,
            status=Status.PENDING,
        )
        for payload in PAYLOADS
    ]
    log_in(page, live_server)

    problems = {}
    for comment in comments:
        page.goto(live_server.url + reverse("admin:comments_comment_change", args=[comment.pk]))
        watch.settle()
        values = page.evaluate(_CHANGE_FORM)
        wrong = watch.script_ran() + values.pop("injected")
        values["email"] = unicodedata.normalize("NFKC", values["email"])
        expected = {
            # A one-line input's value loses line breaks; an email input's also
            # its outer spaces, and Chromium shows its domain normalised.
            "name": one_line(comment.author_name),
            "email": unicodedata.normalize("NFKC", one_line(comment.author_email).strip()),
            "text": newlines(comment.text),
        }
        wrong += [f"{k} shown as {values[k]!r}" for k in expected if values[k] != expected[k]]
        if squash(values["shown"]) != expected_body_text(comment.text):
            wrong.append(f"rendered text {values['shown']!r}")
        if wrong:
            problems[comment.text] = wrong

    assert problems == {}


def test_the_checks_catch_a_payload_that_is_not_made_inert(page):
    """The suite could fail: raw payloads in a page are seen running and injecting."""
    watch = Watch(page)
    page.goto("about:blank")
    page.set_content(
        "<!DOCTYPE html><body><div id=c>"
        "<img src=x onerror=alert(1)><script>document.title='x'</script>"
        "<svg><animate onbegin=print() attributeName=x dur=1s></svg></div></body>"
    )
    watch.settle()
    elements = page.evaluate(
        "() => [...document.querySelectorAll('#c *')].map(el => ({tag: el.localName,"
        " attrs: Object.fromEntries([...el.attributes].map(x => [x.name, x.value]))}))"
    )

    assert len(watch.script_ran()) == 3
    assert bad_attributes(elements, BODY_MARKUP)
