from django.core.management.base import BaseCommand

from legacy_japanese.decoding import label
from trackbacks.models import Trackback
from trackbacks.verification import redecode_linkback


class Command(BaseCommand):
    help = (
        "Read again the pings whose text could not be decoded when they arrived (their bytes "
        "are kept). Those that now decode get their text and stay in moderation for you to "
        "approve; the others keep their bytes. Run it after updating Kiji."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be read, change nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        held = Trackback.objects.filter(undecoded__isnull=False).select_related("post")
        read = total = 0
        for item in held.iterator(chunk_size=100):
            total += 1
            if redecode_linkback(item=item, save=not dry_run):
                read += 1
                self.stdout.write(
                    f"#{item.pk} {item.url}: read as {label(item.charset)}: {item.title}"
                )
            else:
                self.stdout.write(
                    f"#{item.pk} {item.url}: still unreadable: {item.decoding_problem}"
                )
        verb = "would be read" if dry_run else "read"
        self.stdout.write(f"{read} of {total} pings with unread text {verb}.")
