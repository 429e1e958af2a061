from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from blog.models import Post
from trackbacks import sending
from trackbacks.models import OutgoingPing


class Command(BaseCommand):
    help = (
        "Send the pings that are due: retries whose time has come, and posts published "
        "recently (scheduled posts included). Run it from cron every few minutes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=7, help="Look at posts published in the last DAYS days."
        )

    def handle(self, *args, days: int, **options) -> None:
        since = timezone.now() - timedelta(days=days)
        post_ids = set(
            Post.objects.published().filter(published_at__gte=since).values_list("pk", flat=True)
        )
        post_ids |= set(OutgoingPing.objects.due().values_list("post_id", flat=True))
        tried = []
        for post in Post.objects.published().filter(pk__in=post_ids):
            tried += sending.post_pings_send(post=post)
        sent = sum(1 for ping in tried if ping.status == OutgoingPing.Status.SENT)
        self.stdout.write(f"{len(tried)} pings tried, {sent} sent.")
