from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from comments.models import Comment
from moderation.models import Status


class Command(BaseCommand):
    help = "Delete comments marked as spam (and, with --rejected, rejected ones) older than N days."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=30, help="Keep the last N days (30).")
        parser.add_argument("--rejected", action="store_true", help="Delete rejected ones too.")
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, days: int, rejected: bool, dry_run: bool, **options) -> None:
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        statuses = [Status.SPAM, Status.REJECTED] if rejected else [Status.SPAM]
        old = Comment.objects.filter(
            status__in=statuses, created_at__lt=timezone.now() - timedelta(days=days)
        )
        if dry_run:
            self.stdout.write(f"{old.count()} comments would be deleted.")
            return
        deleted, _ = old.delete()
        self.stdout.write(self.style.SUCCESS(f"{deleted} comments deleted."))
