"""Media as `make serve` and the README's Deploy section serve it: gunicorn, production settings."""

import json

import pytest

from tests.reliability.conftest import served_db  # noqa: F401
from tests.reliability.servers import Server, manage

pytestmark = [pytest.mark.servers, pytest.mark.django_db(transaction=True)]

ADD_FILES = """
import json
from media.services import add_file
from tests.media.images import jpeg_with_secrets
photo, _ = add_file("holiday.jpg", jpeg_with_secrets(1400, 900), alt="A holiday")
document, _ = add_file("notes.pdf", b"%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n")
print(json.dumps({"photo": photo.file.url, "document": document.file.url,
                  "rendition": photo.renditions.order_by("width").first().file.url}))
"""


def test_media_are_served_with_their_headers_and_without_metadata(served_db, tmp_path):  # noqa: F811
    env = {
        "MEDIA_ROOT": str(tmp_path / "media"),
        "MEDIA_PRIVATE_ROOT": str(tmp_path / "private"),
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }
    urls = json.loads(manage(served_db.url, "shell", "--no-imports", "-c", ADD_FILES, **env).stdout)
    server = Server(served_db.url, tmp_path / "gunicorn.log", workers=1, **env)
    try:
        photo = server.request("GET", urls["photo"])
        rendition = server.request("GET", urls["rendition"])
        document = server.request("GET", urls["document"])
        private = server.request("GET", "/media/../private/")
    finally:
        server.stop()

    assert photo.status == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert "attachment" not in photo.headers.get("content-disposition", "")
    originals = [path.read_bytes() for path in (tmp_path / "private").rglob("*.jpg")]
    assert any(b"SN-123456789" in original for original in originals)  # kept, never served
    for served in (photo, rendition):
        assert "SN-123456789" not in served.body and "Hanako" not in served.body
    assert rendition.status == 200 and "max-age=31536000" in rendition.headers["cache-control"]
    assert document.status == 200 and document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].startswith("attachment")
    assert private.status == 404
