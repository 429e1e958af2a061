"""A staff member imports a cocolog export from the admin and reads the report."""

from pathlib import Path

import pytest

from blog.models import Post
from tests.factories import make_user

FIXTURES = Path(__file__).resolve().parents[1] / "porting" / "fixtures"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_upload_imports_and_shows_progress_and_report(
    page, live_server, settings, tmp_path, artifacts_dir
):
    settings.KIJI_IMPORT_UPLOAD_DIR = tmp_path
    admin = make_user("admin", is_staff=True, is_superuser=True)
    admin.set_password("s3cret-enough")
    admin.save()
    make_user("suzuki")

    page.goto(f"{live_server.url}/admin/login/?next=/admin/porting/importjob/add/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "s3cret-enough")
    page.click("input[type=submit]")
    page.set_input_files("#id_file", str(FIXTURES / "cocolog-sjis.txt"))
    page.select_option("#id_encoding", "auto")
    page.click("#import-form input[type=submit]")

    page.wait_for_selector("#import-report")
    page.screenshot(path=str(artifacts_dir / "import-admin-report.png"), full_page=True)
    report = page.inner_text("#import-report")
    assert "Import finished. 2 entries read" in report
    assert page.get_attribute("#import-status", "data-status") == "done"
    assert page.get_attribute("#import-progress", "value") == "100"
    titles = set(Post.objects.values_list("title", flat=True))
    assert titles == {"梅雨入りと紫陽花", "表・ソ・能の字"}

    # The imported post reads with its comments and its TrackBack in place.
    post = Post.objects.get(title="梅雨入りと紫陽花")
    page.goto(live_server.url + post.get_absolute_url())
    body = page.inner_text("body")
    assert "鎌倉の紫陽花がきれいです。" in body
    assert "佐藤花子" in body and "私も週末に行ってみます。" in body
    assert "ソフトバンクのポイントカード" in body
    assert "鎌倉散歩" in body  # the ping's title
    assert "hanako@example.jp" not in page.content()
    page.screenshot(path=str(artifacts_dir / "import-admin-post.png"), full_page=True)
