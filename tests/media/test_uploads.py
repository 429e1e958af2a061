"""Uploads: each format taken, bad files refused with nothing stored, metadata removed."""

import io
import os

import pytest
from django.core.files.storage import default_storage, storages
from django.urls import reverse
from PIL import Image

from media.models import MediaItem, Rendition
from media.services import MediaRefused, add_file, store_upload
from media.tasks import make_renditions
from tests.factories import make_post
from tests.media import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what a commit would run (the renditions task is queued on commit)."""
    return django_capture_on_commit_callbacks


def stored_files(storage) -> list[str]:
    """Every file name in a storage, walking its folders."""
    found = []

    def walk(path):
        try:
            dirs, files = storage.listdir(path)
        except FileNotFoundError:
            return
        found.extend(f"{path}/{f}".lstrip("/") for f in files)
        for d in dirs:
            walk(f"{path}/{d}".lstrip("/"))

    walk("")
    return found


def read_back(field) -> tuple[Image.Image, bytes]:
    with field.open("rb") as f:
        data = f.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image, data


def assert_clean(image: Image.Image, data: bytes) -> None:
    """No EXIF, XMP or IPTC, and none of the secrets anywhere in the bytes."""
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info
    assert "photoshop" not in image.info
    assert b"Exif\0\0" not in data and b"x:xmpmeta" not in data and b"8BIM" not in data
    for secret in images.SECRETS:
        assert secret not in data


@pytest.mark.parametrize(
    ("name", "fmt", "content_type"),
    [
        ("photo.jpg", "JPEG", "image/jpeg"),
        ("photo.JPEG", "JPEG", "image/jpeg"),
        ("drawing.png", "PNG", "image/png"),
        ("photo.webp", "WEBP", "image/webp"),
        ("anim.gif", "GIF", "image/gif"),
        pytest.param(
            "photo.avif",
            "AVIF",
            "image/avif",
            marks=pytest.mark.skipif(
                not __import__("PIL.features").features.check("avif"),
                reason="this Pillow has no AVIF",
            ),
        ),
    ],
)
def test_each_image_format_is_taken(name, fmt, content_type):
    item = store_upload(images.upload(name, images.image_bytes(fmt)), alt="A red corner")

    assert item.kind == MediaItem.Kind.IMAGE
    assert item.content_type == content_type
    assert (item.width, item.height) == (800, 600)
    assert item.alt == "A red corner"
    image, _data = read_back(item.file)
    assert image.format == fmt
    assert item.file.name.startswith("media/")


def test_a_pdf_is_taken_as_a_document():
    data = images.pdf()
    item = store_upload(images.upload("Report 2024.pdf", data))

    assert item.kind == MediaItem.Kind.DOCUMENT
    assert item.content_type == "application/pdf"
    with item.file.open("rb") as f:
        assert f.read() == data
    assert not item.original


def test_a_file_named_pdf_that_is_not_is_refused():
    with pytest.raises(MediaRefused, match="not a PDF"):
        store_upload(images.upload("report.pdf", b"<html>not a pdf</html>"))
    assert stored_files(default_storage) == []


REFUSALS = [
    ("broken.jpg", images.corrupt_jpeg, "does not read as a JPEG image"),
    ("bomb.png", images.png_bomb, "too large"),
    ("cat.gif", images.gif_html_polyglot, "web page or script code"),
    ("dog.gif", images.gif_comment_polyglot, "web page or script code"),
    ("logo.svg", lambda: images.SVG_WITH_SCRIPT, "SVG files are not accepted"),
    ("png-in-disguise.jpg", lambda: images.image_bytes("PNG"), "is a PNG image"),
    ("page.html", lambda: b"<html></html>", "not accepted"),
    ("empty.png", lambda: b"", "empty"),
]


@pytest.mark.parametrize(("name", "make", "message"), REFUSALS)
def test_bad_files_are_refused_and_nothing_is_stored(name, make, message):
    with pytest.raises(MediaRefused, match=message):
        store_upload(images.upload(name, make()), alt="Something")

    assert MediaItem.objects.count() == 0
    assert stored_files(default_storage) == []
    assert stored_files(storages["private"]) == []


@pytest.mark.parametrize(("name", "make", "message"), REFUSALS)
def test_imports_are_refused_the_same_way(name, make, message):
    with pytest.raises(MediaRefused, match=message):
        add_file(name, make())
    assert stored_files(default_storage) == []


def test_the_bomb_is_refused_under_the_pixel_limit_from_settings(settings):
    data = images.image_bytes("PNG", 300, 200)
    # 1.5 times the limit: Pillow only warns (it errors past twice), Kiji refuses.
    settings.KIJI_MEDIA_MAX_PIXELS = 300 * 200 * 2 // 3
    with pytest.raises(MediaRefused, match="too large"):
        store_upload(images.upload("big.png", data), alt="Big")
    assert stored_files(default_storage) == []


def test_a_file_over_the_size_cap_is_refused(settings):
    settings.KIJI_MEDIA_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(MediaRefused, match="too big"):
        store_upload(images.upload("photo.jpg", images.image_bytes("JPEG")), alt="Photo")
    assert stored_files(default_storage) == []


def test_svg_when_allowed_is_a_document(settings):
    settings.KIJI_MEDIA_ALLOW_SVG = True
    item = store_upload(images.upload("logo.svg", images.SVG_WITH_SCRIPT))
    assert item.kind == MediaItem.Kind.DOCUMENT
    assert item.content_type == "image/svg+xml"
    assert item.file.name.endswith(".svg")


def test_images_need_alt_text():
    with pytest.raises(MediaRefused, match="alt text"):
        store_upload(images.upload("photo.jpg", images.image_bytes("JPEG")), alt="  ")
    assert stored_files(default_storage) == []


def test_gps_serial_owner_xmp_and_iptc_are_gone_from_every_served_file(settings, on_commit):
    settings.KIJI_MEDIA_RENDITION_WIDTHS = [200, 400]
    data = images.jpeg_with_secrets()
    assert all(secret in data for secret in images.SECRETS)

    with on_commit(execute=True):
        item = store_upload(images.upload("holiday.jpg", data), alt="A beach")
    # 600 wide once upright: only the renditions narrower than that.

    image, served = read_back(item.file)
    assert_clean(image, served)
    renditions = list(Rendition.objects.filter(item=item))
    assert renditions
    for rendition in renditions:
        assert_clean(*read_back(rendition.file))


@pytest.mark.parametrize(
    ("name", "make"), [("p.png", images.png_with_secrets), ("w.webp", images.webp_with_secrets)]
)
def test_metadata_is_gone_from_png_and_webp(name, make):
    item = store_upload(images.upload(name, make()), alt="A picture")
    assert_clean(*read_back(item.file))


def test_orientation_is_applied_before_the_metadata_goes():
    item = store_upload(images.upload("portrait.jpg", images.jpeg_with_secrets()), alt="Upright")

    image, _data = read_back(item.file)
    # Orientation 6 (turn 90° clockwise): 800x600 as stored, 600x800 as seen.
    assert image.size == (600, 800)
    assert (item.width, item.height) == (600, 800)
    red, _g, _b = image.convert("RGB").getpixel((image.width - 10, 10))
    assert red > 200  # the red top-left quarter is now at the top right


def test_the_original_is_kept_privately(settings):
    data = images.jpeg_with_secrets()
    item = store_upload(images.upload("holiday.jpg", data), alt="A beach")

    assert item.original.name.startswith("originals/")
    with item.original.open("rb") as f:
        assert f.read() == data
    private_root = os.path.realpath(settings.KIJI_MEDIA_PRIVATE_ROOT)
    assert os.path.realpath(storages["private"].path(item.original.name)).startswith(private_root)
    assert stored_files(storages["private"]) == [item.original.name]
    assert not default_storage.exists(item.original.name)
    with pytest.raises(ValueError):
        item.original.url  # noqa: B018


def test_originals_are_not_kept_when_settings_say_so(settings):
    settings.KIJI_MEDIA_KEEP_ORIGINALS = False
    item = store_upload(images.upload("holiday.jpg", images.jpeg_with_secrets()), alt="A beach")
    assert not item.original
    assert stored_files(storages["private"]) == []


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.jpg", "C:\\Users\\hanako\\写真 1.jpg", "/tmp/x/.jpg", "a<b>\"c'.jpg"],
)
def test_names_are_sanitised_and_no_path_is_trusted(name):
    item = store_upload(images.upload(name, images.image_bytes("JPEG")), alt="Photo")

    parts = item.file.name.split("/")
    assert parts[0] == "media" and len(parts) == 4
    assert ".." not in parts
    assert not any(c in parts[-1] for c in "<>\"'\\ ")
    assert os.path.realpath(item.file.path).startswith(os.path.realpath(default_storage.location))


def test_the_same_name_never_overwrites_another_file():
    first = store_upload(images.upload("photo.jpg", images.image_bytes("JPEG", 800, 600)), alt="1")
    second = store_upload(images.upload("photo.jpg", images.image_bytes("JPEG", 700, 500)), alt="2")

    assert first.file.name != second.file.name
    assert read_back(first.file)[0].size == (800, 600)
    assert read_back(second.file)[0].size == (700, 500)


def test_the_same_file_twice_is_refused_by_upload_and_found_by_import():
    data = images.image_bytes("PNG")
    item = store_upload(images.upload("a.png", data), alt="A")

    with pytest.raises(MediaRefused, match="already in the library"):
        store_upload(images.upload("b.png", data), alt="B")
    assert add_file("c.png", data) == (item, False)
    assert MediaItem.objects.count() == 1


def test_imports_need_no_alt_text():
    item, created = add_file("old/photo.jpg", images.image_bytes("JPEG"))
    assert created and item.alt == "" and item.is_image()


def test_renditions_are_made_by_the_task_in_webp_and_the_original_format(settings, on_commit):
    settings.KIJI_MEDIA_RENDITION_WIDTHS = [200, 400, 2000]
    with on_commit(execute=True):
        item = store_upload(images.upload("photo.jpg", images.image_bytes("JPEG")), alt="A")

    made = {(r.width, r.height, r.format) for r in item.renditions.all()}
    assert made == {(200, 150, "webp"), (200, 150, "jpeg"), (400, 300, "webp"), (400, 300, "jpeg")}
    for rendition in item.renditions.all():
        image, data = read_back(rendition.file)
        assert image.size == (rendition.width, rendition.height)
        assert image.format == {"webp": "WEBP", "jpeg": "JPEG"}[rendition.format]
        digest = __import__("hashlib").sha256(data).hexdigest()[:12]
        assert digest in rendition.file.name
    # Made once: running the task again makes nothing.
    assert make_renditions.call(item.pk) == 0


def test_renditions_wait_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        item = store_upload(images.upload("photo.png", images.image_bytes("PNG")), alt="A")
    assert not item.renditions.exists()
    for callback in callbacks:
        callback()
    assert item.renditions.exists()


def test_the_task_tells_blog_which_posts_changed(settings):
    from blog.signals import content_changed
    from media.models import PostMedia

    settings.KIJI_MEDIA_RENDITION_WIDTHS = [100]
    post = make_post()
    item, _created = add_file("photo.png", images.image_bytes("PNG", 300, 200))
    PostMedia.objects.create(post=post, item=item)
    sent = []

    def receiver(sender, post_ids, **kwargs):
        sent.append(tuple(post_ids))

    content_changed.connect(receiver)
    try:
        make_renditions.call(item.pk)
    finally:
        content_changed.disconnect(receiver)
    assert sent == [(post.pk,)]


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_renditions(settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    item = store_upload(images.upload("photo.jpg", images.image_bytes("JPEG")), alt="A")
    assert not item.renditions.exists()
    assert DBTaskResult.objects.filter(task_path="media.tasks.make_renditions").count() == 1

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert {r.format for r in item.renditions.all()} == {"webp", "jpeg"}
    assert sorted({r.width for r in item.renditions.all()}) == [640]


# The admin's media library


@pytest.fixture
def staff_client(client, author):
    client.force_login(author)
    return client


def test_the_admin_takes_several_files_at_once(staff_client):
    post = make_post()
    response = staff_client.post(
        reverse("admin:media_mediaitem_add"),
        {
            "files": [
                images.upload("one.jpg", images.image_bytes("JPEG")),
                images.upload("two.png", images.image_bytes("PNG")),
                images.upload("three.pdf", images.pdf()),
            ],
            "alt": "Our garden",
            "caption": "In May",
            "posts": [post.pk],
        },
    )

    assert response.status_code == 302
    assert MediaItem.objects.count() == 3
    assert set(MediaItem.objects.values_list("alt", flat=True)) == {"Our garden"}
    assert set(post.media_items.values_list("title", flat=True)) == {
        "one.jpg",
        "two.png",
        "three.pdf",
    }


def test_the_admin_shows_refusals_as_form_errors(staff_client):
    response = staff_client.post(
        reverse("admin:media_mediaitem_add"),
        {"files": [images.upload("cat.gif", images.gif_html_polyglot())], "alt": "A cat"},
    )

    assert response.status_code == 200
    assert "cat.gif: The file contains web page or script code" in response.content.decode()
    assert MediaItem.objects.count() == 0
    assert stored_files(default_storage) == []


def test_the_admin_asks_for_alt_text_for_images(staff_client):
    response = staff_client.post(
        reverse("admin:media_mediaitem_add"),
        {"files": [images.upload("a.jpg", images.image_bytes("JPEG"))], "alt": ""},
    )
    assert response.status_code == 200
    assert "required for images" in response.content.decode()
    assert MediaItem.objects.count() == 0


def test_the_admin_lists_a_searchable_grid_of_thumbnails(staff_client, settings, on_commit):
    settings.KIJI_MEDIA_RENDITION_WIDTHS = [100]
    with on_commit(execute=True):
        cat = store_upload(images.upload("cat.jpg", images.image_bytes("JPEG")), alt="A black cat")
        store_upload(images.upload("dog.jpg", images.image_bytes("JPEG", 300, 300)), alt="A dog")

    response = staff_client.get(reverse("admin:media_mediaitem_changelist"), {"q": "black"})

    html = response.content.decode()
    assert 'class="media-grid"' in html
    assert "media/admin.css" in html
    smallest = cat.renditions.get(width=100, format="webp")
    assert smallest.file.url in html
    assert "A dog" not in html
    assert "style=" not in html.split('class="media-grid"')[1].split("</ul>")[0]


def test_the_admin_edits_an_item_and_keeps_alt_required(staff_client):
    item = store_upload(images.upload("cat.jpg", images.image_bytes("JPEG")), alt="A cat")
    url = reverse("admin:media_mediaitem_change", args=[item.pk])

    assert staff_client.get(url).status_code == 200
    data = {
        "title": "cat.jpg",
        "alt": "",
        "caption": "",
        "postmedia_set-TOTAL_FORMS": "0",
        "postmedia_set-INITIAL_FORMS": "0",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "required for images" in response.content.decode()
    response = staff_client.post(url, {**data, "alt": "A sleeping cat"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.alt == "A sleeping cat"


def test_a_failure_while_saving_leaves_no_file_behind(monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(MediaItem, "save", broken_save)
    with pytest.raises(RuntimeError):
        store_upload(images.upload("photo.jpg", images.jpeg_with_secrets()), alt="A")
    assert stored_files(default_storage) == []
    assert stored_files(storages["private"]) == []
