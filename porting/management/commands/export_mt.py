from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from porting.exporter import blog_entries, numbered_entries
from porting.management.base import parse_timezone
from porting.media_export import MediaWriter
from porting.mt_writer import write_entries


class Command(BaseCommand):
    help = (
        "Write the whole blog (published and draft posts, with their comments and pings) "
        "in the Movable Type format, UTF-8. Doubles as a backup: import_mt reads it back."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument(
            "--timezone", help="Time zone for the dates written (default: the blog's TIME_ZONE)."
        )
        parser.add_argument(
            "--media",
            metavar="DIR",
            help="Folder (or a path ending in .zip) to write the images and files the posts "
            "use, as media/<yyyy>/<mm>/<name>; the bodies then link to them by relative URL, "
            "and import_mt --media-from DIR brings them back.",
        )

    def handle(
        self, *args, output: str | None, timezone: str | None, media: str | None, **options
    ) -> None:
        tz = parse_timezone(timezone)
        writer = None
        if media:
            try:
                writer = MediaWriter(Path(media))
            except OSError as exc:
                raise CommandError(f"Cannot write {media}: {exc.strerror}") from None
            entries = writer.entries(numbered_entries(tz))
        else:
            entries = blog_entries(tz)
        try:
            if output is None:
                written = write_entries(entries, self.stdout)
                self.stderr.write(f"{written} posts written.")
            else:
                try:
                    with open(output, "w", encoding="utf-8", newline="\n") as stream:
                        written = write_entries(entries, stream)
                except OSError as exc:
                    raise CommandError(f"Cannot write {output}: {exc.strerror}") from None
                self.stdout.write(f"{written} posts written to {output}.")
        finally:
            if writer is not None:
                writer.close()
        if writer is not None:
            report = self.stderr if output is None else self.stdout
            report.write(f"{writer.written} images and files written to {media}.")
            for missing in writer.missing:
                report.write(f"  not written (its file is missing): {missing}")
