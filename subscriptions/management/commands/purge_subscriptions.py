from django.conf import settings
from django.core.management.base import BaseCommand

from subscriptions import services


class Command(BaseCommand):
    help = (
        "Delete reply and new-comment subscriptions never confirmed within "
        "SUBSCRIPTION_CONFIRM_MAX_AGE, and anonymised ones. Schedule it daily."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        n = services.purge(dry_run=dry_run)
        days = settings.KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE / 86400
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(
            f"{n} subscriptions unconfirmed after {days:g} days or anonymised {verb}."
        )
