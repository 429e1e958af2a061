from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from blog.models import Post
from fediverse.models import Delivery
from fediverse.publishing import publish_post
from fediverse.tasks import deliver_one


class Command(BaseCommand):
    help = (
        "Send what is due to the fediverse: posts that became public (scheduled posts "
        "included) and delivery retries whose time has come. Run it from cron every few "
        "minutes when the task queue cannot defer work."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=7, help="Look at posts published in the last DAYS days."
        )

    def handle(self, *args, days: int, **options) -> None:
        now = timezone.now()
        unsent = (
            Post.objects.published()
            .filter(published_at__gte=now - timedelta(days=days))
            .filter(
                Q(fediverse_article__isnull=True) | Q(fediverse_article__deleted_at__isnull=False)
            )
            .values_list("pk", flat=True)
        )
        posts = 0
        for post_id in unsent:
            publish_post.enqueue(post_id)
            posts += 1
        due = Delivery.objects.filter(
            status=Delivery.Status.QUEUED, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
        retries = 0
        for pk in due:
            deliver_one.enqueue(pk)
            retries += 1
        self.stdout.write(f"{posts} posts published, {retries} deliveries retried.")
