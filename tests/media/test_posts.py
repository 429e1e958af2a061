"""Pictures in posts: `media:<pk>` references, figures, featured images, feeds, snippets."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog import markup as blog_markup
from blog.models import Post
from blog.signals import content_changed
from comments.markup import render_comment
from media.models import MediaItem, PostMedia
from media.services import store_upload
from tests.factories import make_post, make_user
from tests.media import images

pytestmark = pytest.mark.django_db

SITE = "https://blog.example"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def small_renditions(settings):
    """Renditions at 160 and 320 pixels of 400-pixel pictures: quick, and enough to tell apart."""
    settings.KIJI_MEDIA_RENDITION_WIDTHS = [160, 320]
    settings.KIJI_SITE_URL = SITE


@pytest.fixture
def photo(django_capture_on_commit_callbacks):
    """Upload a JPEG with its renditions made (the task runs on commit)."""
    made = iter(range(1, 1000))

    def upload(alt="A red square", caption="", width=400, height=300, fmt="JPEG") -> MediaItem:
        # Pictures differ by their size (each upload must be a new file).
        data = images.image_bytes(fmt, width + next(made), height)
        with django_capture_on_commit_callbacks(execute=True):
            item = store_upload(
                images.upload(f"photo.{fmt.lower()}", data), alt=alt, caption=caption
            )
        item.refresh_from_db()
        return item

    return upload


@pytest.fixture
def document(django_capture_on_commit_callbacks):
    def upload(name="menu.pdf") -> MediaItem:
        data = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        with django_capture_on_commit_callbacks(execute=True):
            return store_upload(images.upload(name, data, "application/pdf"))

    return upload


def tags(html: str, name: str) -> list[dict[str, str]]:
    """The attributes of every `name` start tag in `html`."""
    found = []
    for attrs in re.findall(rf'<{name}\b((?:[^>"]|"[^"]*")*)>', html):
        found.append(dict(re.findall(r'([\w-]+)="([^"]*)"', attrs)))
    return found


# References in bodies


def test_a_reference_renders_a_responsive_picture(photo):
    item = photo(alt="A red square")
    renditions = {(r.width, r.format): r.file.url for r in item.renditions.all()}
    assert set(renditions) == {(160, "jpeg"), (320, "jpeg"), (160, "webp"), (320, "webp")}

    post = make_post(body=f"Before.\n\n![]({item.reference()})\n\nAfter.")

    [img] = tags(post.body_html, "img")
    assert img["src"] == renditions[(320, "jpeg")]
    assert img["srcset"] == f"{renditions[(160, 'jpeg')]} 160w, {renditions[(320, 'jpeg')]} 320w"
    assert img["sizes"] == "(max-width: 48rem) 100vw, 48rem"
    assert (img["width"], img["height"]) == (str(item.width), str(item.height))
    assert img["loading"] == "lazy" and img["decoding"] == "async"
    assert img["alt"] == "A red square"  # the library's, when the body gives none
    [source] = tags(post.body_html, "source")
    assert source["type"] == "image/webp"
    assert source["srcset"] == (
        f"{renditions[(160, 'webp')]} 160w, {renditions[(320, 'webp')]} 320w"
    )
    assert "<picture><source" in post.body_html and "</picture>" in post.body_html
    assert "media:" not in post.body_html


def test_the_alt_written_in_the_body_wins_and_html_references_work_too(photo):
    item = photo(alt="Library words")
    post = make_post(
        body=f'<p>Look: <img src="{item.reference()}" alt="Body words" class="wide"> here.</p>',
        body_format=Post.Format.HTML,
    )

    [img] = tags(post.body_html, "img")
    assert img["alt"] == "Body words" and img["class"] == "wide"
    assert "<figure>" not in post.body_html  # not alone in its paragraph


def test_a_picture_with_a_caption_alone_in_its_paragraph_is_a_figure(photo):
    item = photo(caption="夕方の寺町通り <script>alert(1)</script>")

    alone = make_post(body=f"Text.\n\n![Street]({item.reference()})\n\nMore.")
    inline = make_post(body=f"Text and ![Street]({item.reference()}) inline.")
    figure = make_post(
        body=f'<figure><img src="{item.reference()}" alt="Street"></figure>',
        body_format=Post.Format.HTML,
    )
    own_caption = make_post(
        body=f'<figure><img src="{item.reference()}"><figcaption>Mine</figcaption></figure>',
        body_format=Post.Format.HTML,
    )

    caption = "<figcaption>夕方の寺町通り &lt;script&gt;alert(1)&lt;/script&gt;</figcaption>"
    assert re.search(
        rf"<figure><picture>.*</picture>{re.escape(caption)}</figure>", alone.body_html
    )
    assert "<p><figure>" not in alone.body_html
    assert "<figure>" not in inline.body_html and "<picture>" in inline.body_html
    assert re.search(
        rf"<figure><picture>.*</picture>{re.escape(caption)}</figure>", figure.body_html
    )
    assert own_caption.body_html.count("<figcaption>") == 1 and "Mine" in own_caption.body_html
    assert "<script" not in alone.body_html


def test_a_picture_without_caption_stays_in_its_paragraph(photo):
    item = photo(caption="")

    post = make_post(body=f"![Street]({item.reference()})")

    assert post.body_html.startswith("<p><picture>") and "<figure>" not in post.body_html


def test_a_small_picture_offers_its_own_file_and_no_incomplete_webp(photo, settings):
    settings.KIJI_MEDIA_RENDITION_WIDTHS = [160, 640]
    item = photo(width=300)  # one rendition (160) in each format; the file is its own 300w

    post = make_post(body=f"![x]({item.reference()})")

    [img] = tags(post.body_html, "img")
    assert img["srcset"].endswith(f"{item.file.url} {item.width}w")
    # WebP has no picture as wide as the file: offered, it would be blurry on wide screens.
    assert "<source" not in post.body_html


def test_a_document_reference_is_a_link_to_the_file(document):
    item = document()

    post = make_post(body=f"The [menu]({item.reference()}), as served.")

    assert f'<a href="{item.file.url}">menu</a>' in post.body_html


def test_unknown_references_leave_only_harmless_text(photo):
    post = make_post(body="![A lost cat](media:999999)\n\nSee [the menu](media:999998).")
    html_post = make_post(
        body='<img src="media:999999" alt="gone &lt;b&gt;" onerror="alert(1)">',
        body_format=Post.Format.HTML,
    )

    assert post.body_html == "<p>A lost cat</p>\n<p>See the menu.</p>"
    assert html_post.body_html == "gone &lt;b&gt;"
    assert "media:" not in post.body_html + html_post.body_html


def test_a_deleted_item_leaves_its_alt_text(photo):
    item = photo(alt="Library words")
    post = make_post(body=f"![Body words]({item.reference()})")

    item.delete()

    post.refresh_from_db()
    assert post.body_html == "<p>Body words</p>"


def test_script_and_event_handlers_are_still_stripped_around_references(photo):
    item = photo()
    post = make_post(
        body=(
            f'<img src="{item.reference()}" onerror="alert(1)" alt="x" onload="alert(2)">'
            '<script>alert(3)</script><img src="javascript:alert(4)">'
            '<picture><source srcset="x" onerror="alert(5)">'
            f'<img src="{item.reference()}"></picture>'
            '<a href="media:1 javascript:alert(6)">x</a>'
        ),
        body_format=Post.Format.HTML,
    )

    html = post.body_html
    assert "alert" not in html and "onerror" not in html and "onload" not in html
    assert "javascript" not in html.lower()
    assert len(tags(html, "img")) == 3  # two pictures, and the bad one without its src


def test_the_sanitiser_allows_exactly_what_pictures_need():
    html = blog_markup.render_body(
        '<picture><source srcset="/a.webp 1w" type="image/webp" sizes="1px" media="x">'
        '<img src="/a.jpg" srcset="/a.jpg 1w" sizes="1px" width="1" height="1" alt="a" '
        'loading="lazy" decoding="async" style="x" ismap></picture>'
        "<figure><figcaption>c</figcaption></figure><video><source src=/v.mp4></video>",
        Post.Format.HTML,
    )

    assert html == (
        '<picture><source srcset="/a.webp 1w" type="image/webp" sizes="1px">'
        '<img src="/a.jpg" srcset="/a.jpg 1w" sizes="1px" width="1" height="1" alt="a" '
        'loading="lazy" decoding="async"></picture>'
        "<figure><figcaption>c</figcaption></figure><source>"
    )


def test_comments_never_show_pictures_even_with_references(photo):
    item = photo()

    for text in [
        f"![x]({item.reference()})",
        f'<img src="{item.reference()}">',
        f'<picture><source srcset="{item.file.url}"><img src="{item.file.url}"></picture>',
        f"<figure>{item.reference()}</figure>",
    ]:
        html = render_comment(text)
        for tag in ("<img", "<picture", "<source", "<figure"):
            assert tag not in html, (text, html)


# Which posts use an item, and bodies rendered again


def test_saving_a_post_records_the_items_it_refers_to(photo, document):
    first, second, menu = photo(), photo(), document()
    post = make_post(body=f"![a]({first.reference()}) ![b]({second.reference()}) media:999999")
    PostMedia.objects.create(post=make_post(), item=menu)  # linked by hand elsewhere

    assert set(post.media_items.all()) == {first, second}

    PostMedia.objects.filter(post=post, item=second).update(featured=True)
    PostMedia.objects.create(post=post, item=menu)  # linked by hand, not in the body
    post.body = f"[m]({menu.reference()}) only"
    post.save()

    # The reference taken out is unlinked; the featured one and the hand-made link stay.
    assert set(post.media_items.all()) == {second, menu}


def test_renditions_arriving_render_the_bodies_again(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        item = store_upload(
            images.upload("late.png", images.image_bytes("PNG", 400, 300)), alt="Late"
        )
    post = make_post(body=f"![]({item.reference()})")
    assert "srcset" not in post.body_html  # no renditions yet: the file itself
    assert tags(post.body_html, "img")[0]["src"] == item.file.url
    announced = []

    def listen(sender, post_ids, **kwargs):
        announced.extend(post_ids)

    content_changed.connect(listen)
    try:
        for callback in queued:
            callback()
    finally:
        content_changed.disconnect(listen)

    post.refresh_from_db()
    [img] = tags(post.body_html, "img")
    assert img["srcset"].count("w,") == 1 and img["srcset"].endswith(" 320w")
    assert "image/webp" in post.body_html
    assert post.pk in announced


def test_editing_an_items_caption_renders_its_posts_again(photo):
    item = photo(caption="Old")
    post = make_post(body=f"![x]({item.reference()})")
    updated_at = post.updated_at

    item.caption = "New"
    item.save()

    post.refresh_from_db()
    assert "<figcaption>New</figcaption>" in post.body_html
    assert post.updated_at == updated_at  # the post was not edited


# Featured image: link previews and feeds


def meta(html: str) -> dict[str, str]:
    found = {}
    for attrs in tags(html, "meta"):
        key = attrs.get("property") or attrs.get("name")
        if key:
            found.setdefault(key, attrs.get("content"))
    return found


def test_the_first_picture_of_a_post_is_its_link_preview(client, photo, document):
    menu, first, second = document(), photo(alt="First"), photo(alt="Second")
    post = make_post(
        body=f"[m]({menu.reference()})\n\n![]({first.reference()}) ![]({second.reference()})"
    )

    tags_ = meta(client.get(post.get_absolute_url()).content.decode())

    rendition = first.renditions.get(width=320, format="jpeg")
    assert tags_["og:image"] == SITE + rendition.file.url
    assert (tags_["og:image:width"], tags_["og:image:height"]) == ("320", str(rendition.height))
    assert tags_["og:image:alt"] == "First"
    assert tags_["og:image:type"] == "image/jpeg"
    assert tags_["twitter:card"] == "summary_large_image"


def test_the_featured_item_wins_over_the_first_picture(client, photo):
    first, chosen = photo(alt="First"), photo(alt="Chosen")
    post = make_post(body=f"![]({first.reference()})")
    PostMedia.objects.create(post=post, item=chosen, featured=True)

    tags_ = meta(client.get(post.get_absolute_url()).content.decode())

    assert tags_["og:image"] == SITE + chosen.renditions.get(width=320, format="jpeg").file.url
    assert tags_["og:image:alt"] == "Chosen"


def test_a_post_without_pictures_has_a_summary_card(client):
    post = make_post(body="Words only, and an unknown ![x](media:999999).")

    html = client.get(post.get_absolute_url()).content.decode()

    assert "og:image" not in html
    assert meta(html)["twitter:card"] == "summary"
    assert html.count('name="twitter:card"') == 1


def test_feeds_carry_the_featured_image_as_an_enclosure(client, photo):
    item = photo()
    post = make_post(body=f"Text.\n\n![A]({item.reference()})")
    make_post(body="No picture.")
    rendition = item.renditions.get(width=320, format="jpeg")
    url = SITE + rendition.file.url

    rss = ET.fromstring(client.get(reverse("blog:feed-rss")).content)
    enclosures = [
        (
            i.findtext("title"),
            i.find("enclosure").attrib if i.find("enclosure") is not None else None,
        )
        for i in rss.iter("item")
    ]
    assert (post.title, {"url": url, "length": str(rendition.file.size), "type": "image/jpeg"}) in (
        enclosures
    )
    assert sum(1 for _, e in enclosures if e) == 1

    atom = ET.fromstring(client.get(reverse("blog:feed-atom")).content)
    links = [link.attrib for link in atom.iter(f"{ATOM}link") if link.get("rel") == "enclosure"]
    assert links == [
        {"rel": "enclosure", "href": url, "length": str(rendition.file.size), "type": "image/jpeg"}
    ]
    # The body's picture too: every address absolute, srcset candidates included.
    [entry] = [e for e in atom.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == post.title]
    content = entry.findtext(f"{ATOM}summary") or entry.findtext(f"{ATOM}content")
    for attrs in tags(content, "img") + tags(content, "source"):
        for candidate in attrs["srcset"].split(", "):
            assert candidate.startswith("http://testserver/"), candidate
    assert tags(content, "img")[0]["src"].startswith("http://testserver/")


# Constant queries


def count_queries(client, url: str) -> tuple[int, list[str]]:
    from django.core.cache import cache

    from pagecache.pages import local_pages

    cache.clear()
    local_pages.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), [q["sql"] for q in queries]


def test_post_page_and_feed_queries_do_not_grow_with_pictures(client, photo):
    pictures = [photo(alt=f"P{n}") for n in range(10)]
    few = make_post(body=f"![]({pictures[0].reference()})")
    many = make_post(body="\n\n".join(f"![]({p.reference()})" for p in pictures))
    PostMedia.objects.filter(post=many, item=pictures[3]).update(featured=True)

    page_few, _ = count_queries(client, few.get_absolute_url())
    page_many, sql = count_queries(client, many.get_absolute_url())
    assert page_few == page_many
    # The body is stored rendered: the only media queries find the featured image.
    assert sum("media_" in q for q in sql) <= 3

    feed_few, _ = count_queries(client, reverse("blog:feed-rss"))
    for _ in range(5):
        make_post(body="\n\n".join(f"![]({p.reference()})" for p in pictures))
    feed_many, _ = count_queries(client, reverse("blog:feed-rss"))
    assert feed_few == feed_many
    feed_atom, _ = count_queries(client, reverse("blog:feed-atom"))
    assert feed_atom == feed_many


# The editor's snippets


def test_the_post_editor_offers_each_items_snippet(client, photo, document):
    owner = make_user("owner", is_staff=True, is_superuser=True)
    client.force_login(owner)
    used, other, menu = photo(alt='A "quoted" [square]'), photo(alt="Other"), document()
    post = make_post(body=f"![x]({used.reference()})", author=owner)
    html_post = make_post(body="<p>x</p>", body_format=Post.Format.HTML, author=owner)

    page = client.get(reverse("admin:blog_post_change", args=[post.pk])).content.decode()
    html_page = client.get(reverse("admin:blog_post_change", args=[html_post.pk])).content.decode()
    add_page = client.get(reverse("admin:blog_post_add")).content.decode()

    snippets = {
        a.get("id"): a.get("value")
        for a in tags(page, "input")
        if "media-snippet" in a.get("class", "")
    }
    assert snippets[f"media-snippet-{used.pk}"] == (
        f"![A &quot;quoted&quot; \\[square\\]]({used.reference()})"
    )
    assert snippets[f"media-snippet-{other.pk}"] == f"![Other]({other.reference()})"
    assert snippets[f"media-snippet-{menu.pk}"] == f"[menu.pdf]({menu.reference()})"
    assert page.index("Used by this post") < page.index(f"media-snippet-{used.pk}")
    assert page.index(f"media-snippet-{used.pk}") < page.index("Latest in the library")
    html_snippets = [
        a["value"] for a in tags(html_page, "input") if "media-snippet" in a.get("class", "")
    ]
    assert (
        f"&lt;figure&gt;&lt;img src=&quot;{other.reference()}&quot; alt=&quot;Other&quot;&gt;"
        "&lt;/figure&gt;"
    ) in html_snippets
    assert f"![Other]({other.reference()})" in add_page
    assert "media/snippets.js" in page
