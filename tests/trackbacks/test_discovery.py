"""Endpoint discovery, with the 23 webmention.rocks discovery tests as local fixtures.

The cases follow the test list of aaronpk/webmention.rocks
(lib/Rocks/DiscoveryTestData.php, Apache-2.0); the pages here are written
for this suite and served from 127.0.0.1.
"""

import pytest

from trackbacks import discovery
from trackbacks.discovery import Endpoint, find_link, outgoing_links, parse_link_headers
from trackbacks.fetcher import FetchError


def page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head><title>Test</title>{head}</head><body>{body}</body></html>"


def link(href: str | None, rel: str = "webmention") -> str:
    return f'<link rel="{rel}">' if href is None else f'<link rel="{rel}" href="{href}">'


def anchor(href: str, rel: str = "webmention") -> str:
    return f'<a rel="{rel}" href="{href}">endpoint</a>'


def header(url: str, rel: str = "webmention", name: str = "Link") -> tuple[str, str]:
    return (name, f"<{url}>; rel={rel}")


WM = "/webmention?head=true"
ERROR = "/error"
# number: (headers, html, expected endpoint path on the local server)
ROCKS = {
    1: ([header(f"/test/1{WM}")], page(), f"/test/1{WM}"),
    2: ([header(f"{{base}}/test/2{WM}")], page(), f"/test/2{WM}"),
    3: ([], page(link("/test/3/webmention")), "/test/3/webmention"),
    4: ([], page(link("{base}/test/4/webmention")), "/test/4/webmention"),
    5: ([], page(body=anchor("/test/5/webmention")), "/test/5/webmention"),
    6: ([], page(body=anchor("{base}/test/6/webmention")), "/test/6/webmention"),
    7: ([header(f"{{base}}/test/7{WM}", name="LinK")], page(), f"/test/7{WM}"),
    8: ([header(f"{{base}}/test/8{WM}", rel='"webmention"')], page(), f"/test/8{WM}"),
    9: ([], page(link("/test/9/webmention", "webmention somethingelse")), "/test/9/webmention"),
    10: (
        [header(f"{{base}}/test/10{WM}", rel='"webmention somethingelse"')],
        page(),
        f"/test/10{WM}",
    ),
    11: (
        [header("{base}/test/11/webmention")],
        page(link(f"/test/11{ERROR}"), anchor(f"/test/11{ERROR}")),
        "/test/11/webmention",
    ),
    12: (
        [],
        page(link(f"/test/12{ERROR}", "not-webmention") + link("/test/12/webmention")),
        "/test/12/webmention",
    ),
    13: (
        [],
        page(f"<!-- {link(f'/test/13{ERROR}')} -->" + link("/test/13/webmention")),
        "/test/13/webmention",
    ),
    14: (
        [],
        page(
            body=f'<code>&lt;a href="/test/14{ERROR}" rel="webmention"&gt;&lt;/a&gt;</code>'
            + anchor("/test/14/webmention")
        ),
        "/test/14/webmention",
    ),
    15: ([], page(link("")), "/test/15"),
    16: (
        [],
        page(body=anchor("/test/16/webmention") + link(f"/test/16{ERROR}")),
        "/test/16/webmention",
    ),
    17: (
        [],
        page(body=link("/test/17/webmention") + anchor(f"/test/17{ERROR}")),
        "/test/17/webmention",
    ),
    18: (
        [header(f"{{base}}/test/18{ERROR}", rel='"other"'), header(f"{{base}}/test/18{WM}")],
        page(),
        f"/test/18{WM}",
    ),
    19: (
        [
            (
                "Link",
                f'<{{base}}/test/19{ERROR}>; rel="other", <{{base}}/test/19{WM}>; rel=webmention',
            )
        ],
        page(),
        f"/test/19{WM}",
    ),
    20: ([], page(link(None), anchor("/test/20/webmention")), "/test/20/webmention"),
    21: ([], page(link("/test/21/webmention?query=yes")), "/test/21/webmention?query=yes"),
    22: ([], page(link("22/webmention")), "/test/22/webmention"),
}


@pytest.mark.parametrize("number", sorted(ROCKS))
def test_webmention_rocks_discovery(web, number):
    headers, html, expected = ROCKS[number]
    url = web.add(f"/test/{number}", html, headers=headers)
    assert discovery.discover(url) == Endpoint("webmention", web.url(expected))


def test_webmention_rocks_23_relative_to_the_final_url_after_redirect(web):
    web.add("/test/23/page", status=302, headers=[("Location", "/test/23/page/final-abc")])
    web.add(
        "/test/23/page/final-abc",
        page(),
        headers=[("Link", "<webmention-endpoint/xyz>; rel=webmention")],
    )
    endpoint = discovery.discover(web.url("/test/23/page"))
    assert endpoint == Endpoint("webmention", web.url("/test/23/page/webmention-endpoint/xyz"))


def test_pingback_header_wins_over_link_element(web):
    url = web.add(
        "/post",
        page('<link rel="pingback" href="/wrong.php">'),
        headers=[("X-Pingback", "{base}/xmlrpc.php")],
    )
    assert discovery.discover(url) == Endpoint("pingback", web.url("/xmlrpc.php"))


def test_pingback_link_element(web):
    url = web.add("/post", page('<link rel="pingback" href="{base}/xmlrpc.php" />'))
    assert discovery.discover(url) == Endpoint("pingback", web.url("/xmlrpc.php"))


def test_webmention_is_preferred_over_pingback(web):
    url = web.add(
        "/post",
        page('<link rel="pingback" href="/xmlrpc.php"><link rel="webmention" href="/wm">'),
    )
    assert discovery.discover(url).kind == "webmention"


RDF = """<!--
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dc="http://purl.org/dc/elements/1.1/"
         xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/">
<rdf:Description
    rdf:about="{about}"
    dc:identifier="{about}"
    dc:title="A &amp; B"
    trackback:ping="{ping}" />
</rdf:RDF>
-->"""


def test_trackback_rdf_in_a_comment(web):
    url = web.url("/archives/5.html")
    web.add("/archives/5.html", page(body=RDF.format(about=url, ping="{base}/tb.cgi/5")))
    assert discovery.discover(url) == Endpoint("trackback", web.url("/tb.cgi/5"))


def test_trackback_block_matching_the_page_is_chosen_among_several(web):
    url = web.url("/archives/7.html")
    blocks = RDF.format(about=web.url("/archives/6.html"), ping="/tb/6") + RDF.format(
        about=url + "#more", ping="/tb/7"
    )
    web.add("/archives/7.html", page(body=blocks))
    assert discovery.discover(url) == Endpoint("trackback", web.url("/tb/7"))


def test_trackback_several_blocks_none_matching_gives_nothing(web):
    blocks = RDF.format(about="http://x.example/1", ping="/tb/1") + RDF.format(
        about="http://x.example/2", ping="/tb/2"
    )
    url = web.add("/index.html", page(body=blocks))
    assert discovery.discover(url) is None


def test_trackback_rdf_with_single_quotes_and_other_order():
    html = (
        "<rdf:RDF><rdf:Description trackback:ping='http://a.example/tb?id=1&amp;x=2'\n"
        "dc:identifier='http://a.example/p' rdf:about='http://a.example/p'/></rdf:RDF>"
    )
    assert (
        discovery.trackback_endpoint(html, "http://a.example/p") == "http://a.example/tb?id=1&x=2"
    )


def test_page_without_endpoints(web):
    url = web.add("/plain", page(body="<p>nothing here</p>"))
    assert discovery.discover(url) is None


def test_non_html_pages_are_not_parsed(web):
    url = web.add("/image.png", b"\x89PNG <link rel=webmention href=/x>", content_type="image/png")
    assert discovery.discover(url) is None


def test_error_pages_fail_discovery(web):
    with pytest.raises(FetchError, match="404"):
        discovery.discover(web.url("/gone"))


def test_shift_jis_page_is_decoded_for_discovery(web):
    html = (
        '<html><head><meta charset="Shift_JIS"><title>日本語</title>'
        '<link rel="pingback" href="/xmlrpc"></head></html>'
    )
    url = web.add("/sjis", html.encode("cp932"), content_type="text/html")
    assert discovery.discover(url) == Endpoint("pingback", web.url("/xmlrpc"))


def test_link_header_parsing():
    links = parse_link_headers(
        ['<https://a.example/x,y>; rel="webmention alternate"; title="a, b", </b>; rel=next']
    )
    assert links == [("https://a.example/x,y", {"webmention", "alternate"}), ("/b", {"next"})]


def test_outgoing_links_skip_own_site_home_pages_and_duplicates():
    body = (
        '<p><a href="https://a.example/post/1">one</a> <a href="https://a.example/post/1#c">again</a>'
        '<a href="https://b.example/">home</a> <a href="https://b.example/?p=3">query</a>'
        '<a href="http://blog.example/2004/09/other/">self</a> <a href="mailto:x@y">mail</a>'
        '<a href="/relative">rel</a> <a href="https://c.example/a?x=1&amp;y=2">amp</a></p>'
    )
    assert outgoing_links(body, own_hosts={"blog.example"}) == [
        "https://a.example/post/1",
        "https://b.example/?p=3",
        "https://c.example/a?x=1&y=2",
    ]


def test_find_link_exact_match_title_and_context():
    target = "http://blog.example/2004/09/02/kyoto/"
    html = (
        "<html><head><title>Travel &amp; notes</title><script>var u='"
        + target
        + "';</script></head>"
        "<body><p>Before the link. <a href='"
        + target
        + "'>Yamada's trip</a> after it.</p></body></html>"
    )
    check = find_link(html, {target})
    assert check.found
    assert check.title == "Travel & notes"
    assert "Yamada's trip" in check.excerpt
    assert "var u" not in check.excerpt


@pytest.mark.parametrize(
    "html",
    [
        "<p>no link</p>",
        "<!-- <a href='http://blog.example/p'>x</a> -->",
        "<p>&lt;a href='http://blog.example/p'&gt;</p>",
        "<a href='http://blog.example/p/extra'>longer</a>",
        "<a href='http://blog.example/'>prefix</a>",
    ],
)
def test_find_link_needs_a_real_exact_link(html):
    assert not find_link(html, {"http://blog.example/p"}).found


def test_find_link_counts_images_and_plain_text():
    assert find_link("<img src='http://blog.example/p'>", {"http://blog.example/p"}).found
    assert find_link("see http://blog.example/p for more", {"http://blog.example/p"}).found
