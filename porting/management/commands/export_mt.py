from django.core.management.base import BaseCommand, CommandError

from porting.exporter import blog_entries
from porting.management.base import parse_timezone
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

    def handle(self, *args, output: str | None, timezone: str | None, **options) -> None:
        tz = parse_timezone(timezone)
        if output is None:
            written = write_entries(blog_entries(tz), self.stdout)
            self.stderr.write(f"{written} posts written.")
            return
        try:
            with open(output, "w", encoding="utf-8", newline="\n") as stream:
                written = write_entries(blog_entries(tz), stream)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from None
        self.stdout.write(f"{written} posts written to {output}.")
