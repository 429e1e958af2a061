"""What the import commands share: options, progress, the final table and the exit status."""

import os
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from porting.importer import ImportOptions, ImportReport, check_old_permalink
from porting.media_import import MediaOptions, MediaProblem
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
            "--media-from",
            metavar="PATH",
            help="A folder or a .zip of the old blog's files: the images and files the posts "
            "link to are taken from it into the library, and the links rewritten.",
        )
        parser.add_argument(
            "--fetch-media",
            action="store_true",
            help="Download the images and files not found in --media-from from the old blog, "
            "if it still answers. Nothing is downloaded without this option.",
        )
        parser.add_argument(
            "--media-host",
            action="append",
            default=[],
            metavar="HOST",
            help="Another host name of the old blog whose files to bring (the hosts of the "
            "entries' URLs are known already). Repeat for several.",
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
        except MediaProblem as exc:
            raise CommandError(f"--media-from: {exc}") from None
        finally:
            if progress is not None:
                progress.finish()
        self.show_report(report, verbosity=options["verbosity"])

    def import_options(
        self,
        *,
        timezone,
        author,
        dry_run,
        workers=1,
        old_permalink="",
        media_from=None,
        fetch_media=False,
        media_host=(),
        **_,
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
        media = None
        if media_from or fetch_media:
            if media_from and not Path(media_from).exists():
                raise CommandError(f"--media-from: no such folder or file: {media_from}")
            media = MediaOptions(
                files_from=Path(media_from) if media_from else None,
                fetch=fetch_media,
                hosts=set(media_host or ()),
            )
        return ImportOptions(
            tz=tz,
            author=user,
            old_permalink=self.old_permalink(old_permalink),
            dry_run=dry_run,
            workers=max(1, workers),
            media=media,
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
