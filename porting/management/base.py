"""What the import commands share: options, progress, the final table and the exit status."""

import os
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from porting.importer import ImportOptions, ImportReport, check_old_permalink
from porting.mt_entries import ExportError
from porting.progress import Progress
from porting.sources import import_file


def parse_timezone(name: str | None) -> zoneinfo.ZoneInfo:
    """The named time zone, or the blog's TIME_ZONE."""
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CommandError(f"Unknown time zone {name!r}, e.g. Asia/Tokyo") from None


class ImportCommand(BaseCommand):
    """An import from a file; subclasses name the format (`kind`, a key of SOURCES)."""

    kind = ""

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The export file.")
        parser.add_argument(
            "--timezone",
            help="Time zone of the dates in the file (default: the blog's TIME_ZONE).",
        )
        parser.add_argument(
            "--author",
            help="Username that writes every imported post (default: the user named like "
            "each entry's AUTHOR, else the first superuser).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check everything, keep nothing."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=min(os.cpu_count() or 1, 8),
            help="Processes that render posts and comments (default: one per CPU, at most 8).",
        )

    def handle(self, *args, file: str, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        import_options = self.import_options(**options)
        progress = None

        def start_progress(total: int) -> Progress:
            nonlocal progress
            progress = Progress(
                lambda text: self.stdout.write(text, ending=""), total, tty=self.stdout.isatty()
            )
            return progress

        try:
            report = import_file(
                path,
                kind=self.kind,
                options=import_options,
                encoding=options.get("encoding", "auto"),
                progress=start_progress,
            )
        except ExportError as exc:
            raise CommandError(f"{file}: {exc}") from None
        finally:
            if progress is not None:
                progress.finish()
        self.show_report(report, verbosity=options["verbosity"])

    def import_options(
        self, *, timezone, author, dry_run, workers=1, old_permalink="", **_
    ) -> ImportOptions:
        tz = parse_timezone(timezone)
        user = None
        if author:
            User = get_user_model()
            user = User.objects.filter(**{User.USERNAME_FIELD: author}).first()
            if user is None:
                raise CommandError(f"No user named {author!r}; create it first.")
        if old_permalink is None:
            old_permalink = settings.KIJI_IMPORT_OLD_PERMALINK
        return ImportOptions(
            tz=tz,
            author=user,
            old_permalink=self.old_permalink(old_permalink),
            dry_run=dry_run,
            workers=max(1, workers),
        )

    @staticmethod
    def old_permalink(pattern: str) -> str:
        try:
            return check_old_permalink(pattern)
        except ValueError as exc:
            raise CommandError(str(exc)) from None

    def show_report(self, report: ImportReport, *, verbosity: int) -> None:
        self.stdout.write("\n".join(report.lines(all_warnings=verbosity > 1)))
        if report.failures:
            raise CommandError(
                f"{report.failed} of {report.entries_read} entries could not be "
                f"{'read' if report.dry_run else 'imported'} (listed above); "
                f"the others {'can be' if report.dry_run else 'were'} imported."
            )
