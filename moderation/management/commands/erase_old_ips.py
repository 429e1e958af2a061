from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from moderation import privacy


class Command(BaseCommand):
    help = (
        "Erase the IP addresses of comments and pings (and failed admin logins) older than "
        "IP_RETENTION_DAYS (90 by default). Run it daily, e.g. from cron or a systemd timer."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="Keep the last N days (IP_RETENTION_DAYS)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, days: int | None, dry_run: bool, **options) -> None:
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more.")
        days = settings.KIJI_IP_RETENTION_DAYS if days is None else days
        if days <= 0:
            self.stdout.write("IP_RETENTION_DAYS is 0: IP addresses are kept.")
            return
        erased = privacy.erase_old_ips(days=days, dry_run=dry_run)
        verb = "would be erased" if dry_run else "erased"
        for label, n in erased.ips.items():
            self.stdout.write(f"{label}: {n} IP addresses older than {days} days {verb}.")
        self.stdout.write(f"failed admin logins: {erased.login_attempts} records {verb}.")
