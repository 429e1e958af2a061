import pytest

from comments.markup import plain_text, render_comment


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("", ""),
        ("   \n\n  ", ""),
        ("Hello", "<p>Hello</p>"),
        ("a\nb", "<p>a<br>\nb</p>"),
        ("a\r\nb\r\n\r\nc", "<p>a<br>\nb</p><p>c</p>"),
        ("a\n\n\n\nb", "<p>a</p><p>b</p>"),
        ("1 < 2 & 3 > 2", "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"),
        ("こんにちは。\n\n京都の話。", "<p>こんにちは。</p><p>京都の話。</p>"),
        ("<b>bold</b> <em>em</em> <code>x</code>", "<p><b>bold</b> <em>em</em> <code>x</code></p>"),
        ('<b class="x" onclick="y">b</b>', "<p><b>b</b></p>"),
        ("<div>block</div>", "<p>&lt;div&gt;block&lt;/div&gt;</p>"),
        ("<b>open\n\nclosed</b>", "<p><b>open</b></p><p><b>closed</b></p>"),
        ("unclosed <i>tag", "<p>unclosed <i>tag</i></p>"),
        ("&lt;b&gt; &#106; &amp;", "<p>&amp;lt;b&amp;gt; &amp;#106; &amp;amp;</p>"),
        ("<!-- hidden? --> <x", "<p>&lt;!-- hidden? --&gt; &lt;x</p>"),
        ("<code>1 < 2 & 3</code>", "<p><code>1 &lt; 2 &amp; 3</code></p>"),
    ],
)
def test_plain_text_keeps_paragraphs_and_line_breaks(text, html):
    assert render_comment(text) == html


def test_bare_urls_become_nofollow_links():
    html = render_comment("Read https://example.com/a?b=1&c=2. Or www.example.org")

    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">'
        "https://example.com/a?b=1&amp;c=2</a>."
    ) in html
    assert '<a href="http://www.example.org" rel="nofollow ugc noopener">' in html


def test_typed_links_show_as_text_so_no_link_hides_its_address():
    html = render_comment('<a href="https://evil.example/">https://good.example/</a>')

    assert "<a " not in html
    assert html.startswith("<p>&lt;a href=")


@pytest.mark.parametrize("scheme", ["javascript:alert(1)", "data:text/html,x", "vbscript:x"])
def test_links_with_other_schemes_stay_text(scheme):
    html = render_comment(f'<a href="{scheme}">x</a> {scheme}')

    assert "<a " not in html


def test_urls_inside_code_are_not_linked():
    assert render_comment("<code>https://example.com/</code>") == (
        "<p><code>https://example.com/</code></p>"
    )


def test_plain_text_of_rendered_html():
    assert plain_text(render_comment("a & <b>b</b>\n\nc")) == "a & b c"
