"""import_mt/import_wxr --media-from and --fetch-media: files into the library, links rewritten."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from blog.models import Post
from media.models import MediaItem, PostMedia
from tests.trackbacks.conftest import WebServer

pytestmark = pytest.mark.django_db

OLD = "http://oldblog.example.com"
BODY = """<p><img src="{old}/blog/images/2009/a.jpg" alt="A red square" width="10"></p>
<p><a href="../../images/paper.pdf">the paper</a> and
<a href='http://elsewhere.example.net/images/2009/a.jpg'>someone else's</a></p>
<p><img src="/blog/images/missing.png" alt="gone"></p>"""


def export(body: str, *, url: str = f"{OLD}/blog/2009/01/photos.html", title="Photos") -> str:
    return f"""AUTHOR: author
TITLE: {title}
BASENAME: photos
UNIQUE URL: {url}
STATUS: Publish
CONVERT BREAKS: 0
DATE: 01/02/2009 10:00:00 AM
-----
BODY:
{body}
-----
--------
"""


def image(color="red", fmt="JPEG", size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.KIJI_MEDIA_KEEP_ORIGINALS = False


@pytest.fixture
def old_files(tmp_path) -> Path:
    root = tmp_path / "saved"
    (root / "images" / "2009").mkdir(parents=True)
    (root / "images" / "2009" / "a.jpg").write_bytes(image())
    (root / "images" / "paper.pdf").write_bytes(PDF)
    return root


def run(tmp_path, text: str, *args, command="import_mt", name="export.txt") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command(command, str(path), "--workers", "1", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_media_from_a_folder_brings_files_and_rewrites_links(author, tmp_path, old_files):
    output = run(tmp_path, export(BODY.format(old=OLD)), "--media-from", str(old_files))

    post = Post.objects.get()
    photo = MediaItem.objects.get(kind=MediaItem.Kind.IMAGE)
    paper = MediaItem.objects.get(kind=MediaItem.Kind.DOCUMENT)
    assert photo.alt == "A red square"
    assert f'src="media:{photo.pk}"' in post.body
    assert f'href="media:{paper.pk}"' in post.body
    # Another host's file and a file not in the folder are left as they were.
    assert "href='http://elsewhere.example.net/images/2009/a.jpg'" in post.body
    assert 'src="/blog/images/missing.png"' in post.body
    assert set(PostMedia.objects.values_list("post_id", "item_id")) == {
        (post.pk, photo.pk),
        (post.pk, paper.pk),
    }
    assert "1 link to an image or file not brought over:" in output
    assert "/blog/images/missing.png: not found in" in output


def test_importing_again_adds_nothing_and_rewrites_the_same(author, tmp_path, old_files):
    text = export(BODY.format(old=OLD))
    run(tmp_path, text, "--media-from", str(old_files))
    body = Post.objects.get().body

    output = run(tmp_path, text, "--media-from", str(old_files))

    assert MediaItem.objects.count() == 2
    assert PostMedia.objects.count() == 2
    assert Post.objects.get().body == body
    assert "not brought over" in output  # the missing file is still named


def test_a_post_imported_without_media_gets_its_files_on_a_second_run(author, tmp_path, old_files):
    text = export(BODY.format(old=OLD))
    run(tmp_path, text)
    assert MediaItem.objects.count() == 0
    assert 'src="http://oldblog.example.com/blog/images/2009/a.jpg"' in Post.objects.get().body

    run(tmp_path, text, "--media-from", str(old_files))

    photo = MediaItem.objects.get(kind=MediaItem.Kind.IMAGE)
    post = Post.objects.get()
    assert f'src="media:{photo.pk}"' in post.body
    assert "oldblog.example.com/blog/images/2009/a.jpg" not in post.body_html  # rendered again
    assert PostMedia.objects.filter(post=post, item=photo).exists()


def test_the_same_file_twice_in_the_library_once(author, tmp_path):
    root = tmp_path / "saved"
    (root / "x").mkdir(parents=True)
    (root / "x" / "one.png").write_bytes(image("blue", "PNG"))
    (root / "x" / "two.png").write_bytes(image("blue", "PNG"))
    body = '<img src="/x/one.png" alt="one"><img src="/x/two.png" alt="two">'

    run(tmp_path, export(body), "--media-from", str(root))

    item = MediaItem.objects.get()
    assert Post.objects.get().body.count(f'"media:{item.pk}"') == 2


def test_media_from_a_zip_with_a_top_folder(author, tmp_path):
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("backup/blog/images/2009/a.jpg", image())
        zf.writestr("backup/blog/images/paper.pdf", PDF)

    run(tmp_path, export(BODY.format(old=OLD)), "--media-from", str(archive))

    post = Post.objects.get()
    assert MediaItem.objects.count() == 2
    for item in MediaItem.objects.all():
        assert f'"media:{item.pk}"' in post.body


@pytest.mark.parametrize("name", ["../escape.jpg", "/etc/a.jpg", "images/../../a.jpg", "C:/a.jpg"])
def test_a_zip_with_names_outside_it_is_refused(author, tmp_path, name):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("images/2009/a.jpg", image())
        zf.writestr(zipfile.ZipInfo(name), image())

    with pytest.raises(CommandError, match="points outside the zip"):
        run(tmp_path, export(BODY.format(old=OLD)), "--media-from", str(archive))
    assert MediaItem.objects.count() == 0


def test_a_zip_that_unpacks_too_big_is_refused(author, tmp_path, settings):
    settings.KIJI_IMPORT_MEDIA_MAX_BYTES = 1024 * 1024
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("images/2009/a.jpg", b"\0" * (2 * 1024 * 1024))

    with pytest.raises(CommandError, match="the zip is refused: it would unpack to 2 MB"):
        run(tmp_path, export(BODY.format(old=OLD)), "--media-from", str(archive))


def test_a_corrupt_image_is_reported_and_not_stored(author, tmp_path, old_files):
    (old_files / "images" / "2009" / "a.jpg").write_bytes(b"\xff\xd8 not really a jpeg")

    output = run(tmp_path, export(BODY.format(old=OLD)), "--media-from", str(old_files))

    assert not MediaItem.objects.filter(kind=MediaItem.Kind.IMAGE).exists()
    assert "/blog/images/2009/a.jpg: refused: The file is named .jpg but" in output
    assert f'src="{OLD}/blog/images/2009/a.jpg"' in Post.objects.get().body


def test_a_picture_without_alt_text_gets_the_post_title(author, tmp_path, old_files):
    body = f'<img src="{OLD}/blog/images/2009/a.jpg">'
    run(tmp_path, export(body, title="Autumn in Kyoto"), "--media-from", str(old_files))
    assert MediaItem.objects.get().alt == "Autumn in Kyoto"


def test_cocolog_popup_links_and_markdown(author, tmp_path, old_files):
    body = (
        f'<a href="{OLD}/.shared/image.html?/images/2009/a.jpg">'
        '<img src="/images/2009/a.jpg" alt="red"></a>\n\n![red square](/images/paper.pdf)'
    )
    run(tmp_path, export(body), "--media-from", str(old_files))
    post = Post.objects.get()
    photo = MediaItem.objects.get(kind=MediaItem.Kind.IMAGE)
    paper = MediaItem.objects.get(kind=MediaItem.Kind.DOCUMENT)
    assert post.body.count(f'"media:{photo.pk}"') == 2
    assert f"![red square](media:{paper.pk})" in post.body


def test_a_dry_run_keeps_nothing_and_names_what_is_missing(author, tmp_path, old_files):
    output = run(
        tmp_path, export(BODY.format(old=OLD)), "--media-from", str(old_files), "--dry-run"
    )
    assert MediaItem.objects.count() == 0
    assert not list((tmp_path / "public").rglob("*.jpg"))
    assert "/blog/images/missing.png: not found" in output


# Fetching from the old blog.


@pytest.fixture
def old_blog(settings):
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    server = WebServer()
    yield server
    server.stop()


def test_fetch_media_downloads_from_the_old_blog(author, tmp_path, old_blog):
    old_blog.add("/blog/images/2009/a.jpg", image(), content_type="image/jpeg")
    old_blog.add("/blog/images/paper.pdf", PDF, content_type="application/pdf")
    old = old_blog.url("")

    output = run(
        tmp_path,
        export(BODY.format(old=old), url=f"{old}/blog/2009/01/photos.html"),
        "--fetch-media",
    )

    post = Post.objects.get()
    assert MediaItem.objects.count() == 2
    for item in MediaItem.objects.all():
        assert f'"media:{item.pk}"' in post.body
    fetched = sorted(r.path for r in old_blog.received)
    assert fetched == [
        "/blog/images/2009/a.jpg",
        "/blog/images/missing.png",
        "/blog/images/paper.pdf",
    ]
    assert "/blog/images/missing.png: could not be fetched: the server answered 404" in output


def test_folder_first_then_fetch(author, tmp_path, old_blog, old_files):
    old_blog.add("/blog/images/missing.png", image("green", "PNG"), content_type="image/png")
    old = old_blog.url("")

    run(
        tmp_path,
        export(BODY.format(old=old), url=f"{old}/blog/2009/01/photos.html"),
        "--media-from",
        str(old_files),
        "--fetch-media",
    )

    assert [r.path for r in old_blog.received] == ["/blog/images/missing.png"]
    assert MediaItem.objects.count() == 3


def test_nothing_is_fetched_without_the_option(author, tmp_path, old_blog, old_files):
    old_blog.add("/blog/images/missing.png", image("green", "PNG"), content_type="image/png")
    old = old_blog.url("")

    output = run(
        tmp_path,
        export(BODY.format(old=old), url=f"{old}/blog/2009/01/photos.html"),
        "--media-from",
        str(old_files),
    )
    run(tmp_path, export(BODY.format(old=old), url=f"{old}/blog/2009/01/photos.html"))

    assert old_blog.received == []
    assert "nothing is fetched without --fetch-media" in output


def test_fetch_refuses_private_addresses(author, tmp_path, settings):
    # Loopback is not allowed outside tests: the fetcher's SSRF rules apply.
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = False
    old = "http://127.0.0.1:9"
    output = run(
        tmp_path,
        export(BODY.format(old=old), url=f"{old}/blog/2009/01/photos.html"),
        "--fetch-media",
    )
    assert MediaItem.objects.count() == 0
    assert "could not be fetched: 127.0.0.1 resolves to a non-public address" in output


# WordPress attachments.

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/"
 xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/">
<channel>
<item>
  <title>Garden</title>
  <link>https://wp.example.org/2009/01/garden/</link>
  <dc:creator>author</dc:creator>
  <content:encoded><![CDATA[
<img src="https://cdn.example.org/wp-content/uploads/2009/01/rose-300x200.jpg" alt="">
]]></content:encoded>
  <wp:post_id>5</wp:post_id>
  <wp:post_date>2009-01-02 10:00:00</wp:post_date>
  <wp:post_date_gmt>2009-01-02 01:00:00</wp:post_date_gmt>
  <wp:post_name>garden</wp:post_name>
  <wp:status>publish</wp:status>
  <wp:post_type>post</wp:post_type>
  <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>12</wp:meta_value></wp:postmeta>
</item>
<item>
  <title>rose</title>
  <wp:post_id>12</wp:post_id>
  <wp:post_parent>5</wp:post_parent>
  <wp:post_type>attachment</wp:post_type>
  <wp:status>inherit</wp:status>
  <wp:attachment_url>https://cdn.example.org/wp-content/uploads/2009/01/rose.jpg</wp:attachment_url>
  <wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>
    <wp:meta_value>A rose</wp:meta_value></wp:postmeta>
</item>
<item>
  <title>leaflet</title>
  <wp:post_id>13</wp:post_id>
  <wp:post_parent>5</wp:post_parent>
  <wp:post_type>attachment</wp:post_type>
  <wp:status>inherit</wp:status>
  <wp:attachment_url>https://cdn.example.org/wp-content/uploads/2009/01/leaflet.pdf</wp:attachment_url>
</item>
<item>
  <title>lost</title>
  <wp:post_id>14</wp:post_id>
  <wp:post_parent>0</wp:post_parent>
  <wp:post_type>attachment</wp:post_type>
  <wp:attachment_url>https://cdn.example.org/wp-content/uploads/2008/lost.png</wp:attachment_url>
</item>
</channel>
</rss>
"""


def test_wxr_attachments_come_with_their_post(author, tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "2009" / "01").mkdir(parents=True)
    (uploads / "2009" / "01" / "rose.jpg").write_bytes(image("pink"))
    (uploads / "2009" / "01" / "leaflet.pdf").write_bytes(PDF)

    output = run(tmp_path, WXR, "--media-from", str(uploads), command="import_wxr", name="wp.xml")

    post = Post.objects.get()
    rose = MediaItem.objects.get(kind=MediaItem.Kind.IMAGE)
    leaflet = MediaItem.objects.get(kind=MediaItem.Kind.DOCUMENT)
    assert rose.alt == "A rose"  # the attachment's alt text, as the body has none
    # The body's resized copy is replaced by the attachment itself.
    assert f'src="media:{rose.pk}"' in post.body
    assert PostMedia.objects.get(post=post, item=rose).featured
    assert not PostMedia.objects.get(post=post, item=leaflet).featured
    assert (
        "attachment 14: https://cdn.example.org/wp-content/uploads/2008/lost.png: not found"
        in output
    )
    assert "1 attachment" not in output

    run(tmp_path, WXR, "--media-from", str(uploads), command="import_wxr", name="wp.xml")
    assert MediaItem.objects.count() == 2
    assert PostMedia.objects.count() == 2


def test_media_from_must_exist(author, tmp_path):
    with pytest.raises(CommandError, match="no such folder or file"):
        run(tmp_path, export("x"), "--media-from", str(tmp_path / "nope"))
