"""The admin's imports run here, as django-tasks tasks, and report progress on their ImportJob."""

import logging
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from porting.importer import ImportOptions
from porting.models import ImportJob
from porting.mt_entries import ExportError
from porting.sources import import_file

logger = logging.getLogger(__name__)


class JobProgress:
    """Writes the number of entries done to the job, at most once a second."""

    def __init__(self, job_id: int, total: int):
        self.job_id, self.done, self.last = job_id, 0, 0.0
        ImportJob.objects.filter(pk=job_id).update(total=total, status=ImportJob.Status.RUNNING)

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= 1:
            ImportJob.objects.filter(pk=self.job_id).update(done=self.done)
            self.last = now


@task()
def run_import(job_id: int) -> None:
    """Import the job's uploaded file, then store the report and delete the upload."""
    job = ImportJob.objects.get(pk=job_id)
    chosen = job.options
    author = None
    if chosen.get("author_id"):
        author = get_user_model().objects.filter(pk=chosen["author_id"]).first()
    options = ImportOptions(
        tz=ZoneInfo(chosen.get("timezone") or settings.TIME_ZONE),
        author=author,
        old_permalink=chosen.get("old_permalink", ""),
        dry_run=chosen.get("dry_run", False),
    )
    path = Path(job.upload_path)
    try:
        report = import_file(
            path,
            kind=job.kind,
            options=options,
            encoding=chosen.get("encoding", "auto"),
            progress=lambda total: JobProgress(job_id, total),
        )
        text = "\n".join(report.lines(all_warnings=True))
        status = ImportJob.Status.FAILED if report.failures else ImportJob.Status.DONE
        done = report.entries_read
    except ExportError as exc:
        text, status, done = f"The file could not be read: {exc}", ImportJob.Status.FAILED, 0
    except Exception:
        logger.exception("Import %s stopped", job_id)
        text = "The import stopped on an unexpected error; the server log has the details."
        status, done = ImportJob.Status.FAILED, 0
    finally:
        path.unlink(missing_ok=True)
    ImportJob.objects.filter(pk=job_id).update(
        status=status, report=text, done=done, finished_at=timezone.now()
    )
