"""The admin's import page: upload, background task, progress and report; the export download."""

import pytest
from django.urls import reverse

from blog.models import Post
from porting.models import ImportJob
from tests.factories import make_post, make_user
from tests.porting.files import FIXTURES

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/porting/importjob/add/"


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.KIJI_IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return settings.KIJI_IMPORT_UPLOAD_DIR


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("boss", is_staff=True, is_superuser=True))
    return client


def upload(client, name: str, **fields):
    with (FIXTURES / name).open("rb") as stream:
        data = {
            "file": stream,
            "kind": "mt",
            "encoding": "auto",
            "timezone": "Asia/Tokyo",
            "old_permalink": "/blog/{year}/{month}/{basename}.html",
            **fields,
        }
        return client.post(ADD_URL, data)


def test_upload_runs_the_import_and_shows_the_report(
    admin_client, upload_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, "spec-example.txt")

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.status == ImportJob.Status.DONE
    assert (job.done, job.total) == (1, 1)
    assert Post.objects.get().title == "秋の京都旅行"
    assert list(upload_dir.iterdir()) == []  # the upload is deleted once imported

    page = admin_client.get(job.get_absolute_url()).content.decode()
    assert "Import finished. 1 entry read" in page
    assert 'value="100"' in page
    assert 'http-equiv="refresh"' not in page


def test_failures_are_listed_and_the_job_marked(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, "typepad-quirks.txt", author=make_user("anne").pk)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "“A broken date” (line 48): invalid date" in job.report
    assert Post.objects.count() == 2


def test_unreadable_file_is_reported_not_a_500(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, "wxr-billion-laughs.xml", kind="wxr")

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.report.startswith("The file could not be read: refused")
    assert admin_client.get(job.get_absolute_url()).status_code == 200


def test_running_job_page_refreshes_itself(admin_client):
    job = ImportJob.objects.create(filename="big.txt", status="running", total=10, done=4)

    page = admin_client.get(job.get_absolute_url()).content.decode()

    assert 'http-equiv="refresh"' in page
    assert "4 / 10" in page
    assert 'value="40"' in page


def test_bad_options_show_form_errors(admin_client):
    response = upload(admin_client, "spec-example.txt", timezone="Mars/Base")

    assert response.status_code == 200
    assert "Unknown time zone" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_too_large_upload_is_refused_with_a_message(admin_client, settings):
    settings.KIJI_IMPORT_MAX_UPLOAD_MB = 0
    response = upload(admin_client, "spec-example.txt")
    assert "The file is larger than 0 MB" in response.content.decode()


def test_only_staff_may_upload(client):
    client.force_login(make_user("reader"))
    response = client.get(ADD_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    client.force_login(make_user("helper", is_staff=True))  # staff without the permission
    assert client.get(ADD_URL).status_code == 403


def test_export_download_streams_the_blog(admin_client):
    make_post("Backed up", body="hello")

    response = admin_client.get(reverse("admin:porting_importjob_export"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="kiji-export-')
    body = b"".join(response.streaming_content).decode()
    assert "TITLE: Backed up" in body


def test_export_download_is_for_superusers_only(client):
    client.force_login(make_user("helper", is_staff=True))
    assert client.get(reverse("admin:porting_importjob_export")).status_code == 403
