"""export_mt --media DIR|zip: the files beside the export, and back in with --media-from."""

import io
import zipfile

import pytest
from django.core.management import call_command
from PIL import Image

from blog.models import Post
from media.models import MediaItem, PostMedia
from media.services import add_file
from tests.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.KIJI_MEDIA_KEEP_ORIGINALS = False


def jpeg(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), color).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def post_with_media(author):
    photo, _ = add_file("sea.jpg", jpeg("blue"), alt="The sea")
    cover, _ = add_file("cover.jpg", jpeg("green"), alt="A cover")
    post = make_post(
        title="Seaside",
        body=f'<p><img src="media:{photo.pk}" alt="The sea"></p><p>media:{photo.pk} in text</p>',
        author=author,
    )
    # Saving the post may link what its body names already.
    PostMedia.objects.get_or_create(post=post, item=photo)
    PostMedia.objects.update_or_create(post=post, item=cover, defaults={"featured": True})
    return post, photo, cover


def export(tmp_path, media: str) -> str:
    out = io.StringIO()
    call_command(
        "export_mt", "--output", str(tmp_path / "backup.txt"), "--media", media, stdout=out
    )
    return out.getvalue()


def test_export_writes_the_files_and_relative_links(tmp_path, post_with_media):
    _, photo, cover = post_with_media

    output = export(tmp_path, str(tmp_path / "files"))

    text = (tmp_path / "backup.txt").read_text()
    assert f'<img src="{photo.file.name}" alt="The sea">' in text
    assert f"media:{photo.pk} in text" in text  # only links are rewritten
    for item in (photo, cover):
        assert item.file.name.startswith("media/")
        written = tmp_path / "files" / item.file.name
        with item.file.open("rb") as stored:
            assert written.read_bytes() == stored.read()
    assert "2 images and files written" in output


def test_export_to_a_zip(tmp_path, post_with_media):
    _, photo, cover = post_with_media

    export(tmp_path, str(tmp_path / "files.zip"))

    with zipfile.ZipFile(tmp_path / "files.zip") as zf:
        assert sorted(zf.namelist()) == sorted([photo.file.name, cover.file.name])


def test_export_then_import_into_an_empty_blog_keeps_the_images(tmp_path, post_with_media):
    export(tmp_path, str(tmp_path / "files.zip"))
    Post.objects.all().delete()
    MediaItem.objects.all().delete()

    out = io.StringIO()
    call_command(
        "import_mt",
        str(tmp_path / "backup.txt"),
        "--media-from",
        str(tmp_path / "files.zip"),
        "--workers",
        "1",
        stdout=out,
    )

    post = Post.objects.get()
    photo = MediaItem.objects.get(alt="The sea")
    assert f'<img src="media:{photo.pk}" alt="The sea">' in post.body
    assert (photo.width, photo.height) == (48, 32)
    assert PostMedia.objects.filter(post=post, item=photo).exists()
    assert "not brought over" not in out.getvalue()
