"""The XSS corpus inside a Movable Type export file, imported, then rendered in Chromium.

Every payload becomes a post title, a paragraph of a post body, a comment's
author, website and text, and a ping's title, blog name and excerpt. After
`import_mt`, the post page and the archives show them all; no script may
run, nothing may be injected, and comments and pings show what was stored.
"""

import io
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from blog.models import Post
from comments.models import Comment
from moderation.models import Status
from tests.browser.test_xss_corpus import (
    BODY_MARKUP,
    bad_attributes,
    expected_body_text,
    fold,
    squash,
)
from tests.browser.test_xss_pings import _PINGS, PING_MARKUP
from tests.factories import make_user
from tests.security.watch import Watch
from tests.security.xss_payloads import PAYLOADS
from trackbacks.models import Trackback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2004, 9, 2, 10, 0)
ACTIVE = {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "meta", "form",
          "input", "button", "link", "frame", "video", "audio", "template"}  # fmt: skip


def one_line(payload: str) -> str:
    return " ".join(payload.splitlines()) or "x"


def mt_date(n: int) -> str:
    return (START + timedelta(minutes=n)).strftime("%m/%d/%Y %I:%M:%S %p")


def export_file() -> str:
    body = "\n\n".join(PAYLOADS)
    parts = [
        "AUTHOR: yamada\nTITLE: Imported target\nBASENAME: target\nSTATUS: Publish\n"
        f"ALLOW COMMENTS: 1\nCONVERT BREAKS: 0\nALLOW PINGS: 1\nDATE: {mt_date(0)}\n-----\n"
        f"BODY:\n{body}\n-----\n"
    ]
    for n, payload in enumerate(PAYLOADS):
        parts.append(
            f"COMMENT:\nAUTHOR: {one_line(payload)[:100]}\nEMAIL: reader{n}@example.com\n"
            f"IP: 192.0.2.{n % 250}\nURL: {one_line(payload)[:200]}\nDATE: {mt_date(n + 1)}\n"
            f"{payload}\n-----\n"
        )
        parts.append(
            f"PING:\nTITLE: {one_line(payload)}\nURL: https://blog{n}.example.com/entry\n"
            f"IP: 198.51.100.{n % 250}\nBLOG NAME: {one_line(payload)}\nDATE: {mt_date(n + 1)}\n"
            f"{payload}\n-----\n"
        )
    entries = ["".join(parts) + "--------\n"]
    for n, payload in enumerate(PAYLOADS):
        entries.append(
            f"AUTHOR: yamada\nTITLE: {one_line(payload)}\nBASENAME: entry_{n}\nSTATUS: Publish\n"
            f"CONVERT BREAKS: 1\nDATE: {mt_date(n + 1)}\n-----\nBODY:\nEntry {n}.\n-----\n"
            "--------\n"
        )
    return "".join(entries)


def test_an_imported_export_full_of_payloads_renders_inert(live_server, page, tmp_path, settings):
    settings.KIJI_POSTS_PER_PAGE = len(PAYLOADS) + 10
    settings.KIJI_COMMENTS_PER_PAGE = len(PAYLOADS) + 10
    make_user("yamada", is_staff=True, is_superuser=True)
    path = tmp_path / "hostile.txt"
    path.write_text(export_file(), encoding="utf-8")
    call_command("import_mt", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    target = Post.objects.get(slug="target")
    Comment.objects.update(status=Status.APPROVED)
    Trackback.objects.update(status=Status.APPROVED)
    comments = {f"comment-{c.pk}": c for c in Comment.objects.filter(post=target)}
    pings = {f"trackback-{t.pk}": t for t in Trackback.objects.filter(post=target)}
    assert len(comments) >= len(PAYLOADS) - 10
    assert len(pings) >= len(PAYLOADS) - 10
    assert Post.objects.count() >= len(PAYLOADS) - 10
    watch = Watch(page)

    page.goto(live_server.url + target.get_absolute_url())
    watch.settle()
    assert watch.script_ran() == []
    body = page.evaluate(
        "() => [...document.querySelectorAll('.entry-content *, .post-body *, article *')]"
        ".filter(el => !el.closest('.comments, .trackbacks, form'))"
        ".map(el => ({tag: el.localName, attrs: Object.fromEntries([...el.attributes]"
        ".map(a => [a.name, a.value]))}))"
    )
    assert len(body) > 100  # the body's paragraphs are there, and looked at
    assert bad_attributes(body) == []
    assert [e["tag"] for e in body if e["tag"] in ACTIVE] == []
    shown = page.evaluate(
        "() => [...document.querySelectorAll('li.comment')].map(li => ({id: li.id,"
        " author: li.querySelector('.comment-author').innerText,"
        " body: li.querySelector('.comment-body').innerText,"
        " elements: [...li.querySelectorAll('.comment-body *')].map(el => ({tag: el.localName,"
        "   attrs: Object.fromEntries([...el.attributes].map(a => [a.name, a.value]))}))}))"
    )
    assert {c["id"] for c in shown} == set(comments)
    problems = {}
    for item in shown:
        comment = comments[item["id"]]
        wrong = bad_attributes(item["elements"], BODY_MARKUP)
        if fold(item["author"]) != fold(comment.author_name):
            wrong.append(f"author {item['author']!r}")
        if squash(item["body"]) != expected_body_text(comment.text):
            wrong.append(f"text {item['body']!r}")
        if wrong:
            problems[comment.text] = wrong
    assert problems == {}
    shown_pings = page.evaluate(_PINGS)
    assert {p["id"] for p in shown_pings} == set(pings)
    assert [p for s in shown_pings for p in bad_attributes(s["elements"], PING_MARKUP)] == []
    for item in shown_pings:
        ping = pings[item["id"]]
        assert fold(item["title"]) == fold(ping.title)
        assert fold(item["excerpt"]) == fold(ping.excerpt)

    page.goto(live_server.url + "/2004/09/")
    watch.settle()
    assert watch.script_ran() == []
    titles = page.evaluate("() => [...document.querySelectorAll('main a')].map(a => a.innerText)")
    for post in Post.objects.exclude(pk=target.pk):
        assert fold(post.title) in {fold(t) for t in titles}, post.title
