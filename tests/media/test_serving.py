"""Serving media when no proxy does (`make run`, `make serve`): right type, nosniff, downloads."""

import pytest
from django.core.files.storage import storages

from media.services import store_upload
from tests.media import images

pytestmark = pytest.mark.django_db


def get(client, url):
    response = client.get(url)
    response.body = b"".join(response.streaming_content) if response.streaming else b""
    return response


@pytest.fixture
def photo(settings, django_capture_on_commit_callbacks):
    settings.KIJI_MEDIA_RENDITION_WIDTHS = [200]
    with django_capture_on_commit_callbacks(execute=True):
        return store_upload(images.upload("holiday.jpg", images.jpeg_with_secrets()), alt="Beach")


def test_an_image_is_served_inline_with_its_type_and_nosniff(client, photo):
    response = get(client, photo.file.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Disposition" not in response
    assert response["Cache-Control"] == "public, max-age=86400"
    for secret in images.SECRETS:
        assert secret not in response.body


def test_renditions_are_cached_for_a_year(client, photo):
    for rendition in photo.renditions.all():
        response = get(client, rendition.file.url)
        assert response.status_code == 200
        assert (
            response["Content-Type"]
            == {"webp": "image/webp", "jpeg": "image/jpeg"}[rendition.format]
        )
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        for secret in images.SECRETS:
            assert secret not in response.body


def test_a_pdf_is_a_download(client):
    item = store_upload(images.upload("report.pdf", images.pdf()))
    response = get(client, item.file.url)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_allowed_svg_is_only_ever_a_download(client, settings):
    settings.KIJI_MEDIA_ALLOW_SVG = True
    item = store_upload(images.upload("logo.svg", images.SVG_WITH_SCRIPT))
    response = get(client, item.file.url)

    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Disposition"] == "attachment"


def test_a_stray_file_of_another_type_is_a_download(client, settings, tmp_path):
    (tmp_path / "media" / "media").mkdir(parents=True)
    (tmp_path / "media" / "media" / "page.html").write_text("<script>alert(1)</script>")
    response = get(client, "/media/media/page.html")

    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == "attachment"


def test_originals_are_never_served(client, photo, settings):
    name = photo.original.name
    assert storages["private"].exists(name)

    assert client.get(f"/media/{name}").status_code == 404
    assert client.get(f"/media/../private/{name}").status_code == 404
    assert client.get(f"/media/%2e%2e/private/{name}").status_code == 404


def test_a_private_root_inside_media_root_is_still_not_served(client, photo, settings, tmp_path):
    settings.KIJI_MEDIA_PRIVATE_ROOT = tmp_path / "media" / "media"
    assert client.get(photo.file.url).status_code == 404


def test_nothing_is_served_when_a_proxy_serves_media(client, photo, settings):
    settings.KIJI_SERVE_MEDIA = False
    assert client.get(photo.file.url).status_code == 404


def test_only_get_and_head(client, photo):
    assert client.post(photo.file.url).status_code == 405
    assert client.head(photo.file.url).status_code == 200


def test_the_csp_allows_images_from_this_site_only_by_default(client, settings):
    from tests.test_settings import run_manage

    result = run_manage(
        {"DEBUG": "false", "SECRET_KEY": "k" * 60, "CSP_IMG_SRC": ""},
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])",
    )
    assert result.stdout.strip() == "[\"'self'\"]"
