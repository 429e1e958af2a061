"""The library goes through Django's STORAGES: another backend by setting, nothing else changed."""

import io

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from PIL import Image

from media.services import store_upload
from tests.media import images
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_memory(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return default_storage


def test_uploads_work_with_the_in_memory_storage(
    in_memory, settings, django_capture_on_commit_callbacks
):
    settings.KIJI_MEDIA_RENDITION_WIDTHS = [100]
    with django_capture_on_commit_callbacks(execute=True):
        item = store_upload(images.upload("photo.jpg", images.jpeg_with_secrets()), alt="A")

    assert isinstance(in_memory._wrapped, InMemoryStorage)
    assert in_memory.exists(item.file.name)
    with item.file.open("rb") as f:
        assert Image.open(io.BytesIO(f.read())).size == (600, 800)
    rendition = item.renditions.get(format="webp")
    assert in_memory.exists(rendition.file.name)
    assert item.file.url.startswith("/media/media/")


def test_the_default_is_the_file_system_under_media_root(settings, tmp_path):
    item = store_upload(images.upload("photo.png", images.image_bytes("PNG")), alt="A")
    assert (tmp_path / "media" / item.file.name).is_file()


def settings_with(env: dict[str, str], code: str):
    """Run code in a fresh process under config.settings with this environment."""
    return run_manage(
        {"DEBUG": "false", "SECRET_KEY": "k" * 60, **env}, "shell", "--no-imports", "-c", code
    )


def test_the_private_root_may_not_be_inside_media_root(tmp_path):
    result = settings_with(
        {"MEDIA_ROOT": str(tmp_path), "MEDIA_PRIVATE_ROOT": str(tmp_path / "private")},
        "from django.conf import settings; settings.MEDIA_ROOT",
    )
    assert result.returncode != 0
    assert "MEDIA_PRIVATE_ROOT must not be inside MEDIA_ROOT" in result.stderr


def test_s3_by_setting():
    code = (
        "from django.conf import settings as s\n"
        "print(s.STORAGES['default']['BACKEND'])\n"
        "print(s.AWS_S3_FILE_OVERWRITE, s.AWS_QUERYSTRING_AUTH, s.KIJI_SERVE_MEDIA)\n"
        "print(s.MEDIA_URL)\n"
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])\n"
    )
    result = settings_with(
        {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "kiji-media",
            "AWS_S3_CUSTOM_DOMAIN": "media.example.com",
            "CSP_IMG_SRC": "",
        },
        code,
    )
    assert result.returncode == 0, result.stderr
    storage, flags, media_url, img_src = result.stdout.splitlines()
    # django-storages' S3 backend (boto3 comes with the optional extra "kiji[s3]").
    assert storage == "storages.backends.s3.S3Storage"
    assert flags == "False False False"
    assert media_url == "https://media.example.com/"
    assert img_src == "[\"'self'\", 'https://media.example.com']"


def test_an_absolute_media_url_adds_only_its_host_to_the_csp():
    result = settings_with(
        {"MEDIA_URL": "https://cdn.example.net/kiji/", "CSP_IMG_SRC": ""},
        "from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[\"'self'\", 'https://cdn.example.net']"
