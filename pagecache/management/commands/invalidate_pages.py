from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pagecache.pages import invalidate_pages, invalidation_owed


class Command(BaseCommand):
    help = (
        "Make every cached page fresh (run after deploying new code or templates; "
        "content changes do this by themselves)."
    )

    def handle(self, *args, **options) -> None:
        if settings.KIJI_PAGE_CACHE_SECONDS <= 0:
            # The in-process default cache is this command's own: the app
            # servers' copies are out of its reach, and pages are not cached.
            self.stdout.write(
                "Pages are not cached (no shared cache: set CACHE_URL to Redis, "
                "or PAGE_CACHE_SECONDS is 0): nothing to make fresh."
            )
            return
        invalidate_pages()
        if invalidation_owed():
            raise CommandError("The shared cache is unreachable: run this again once it answers.")
        self.stdout.write("Cached pages will be rendered afresh.")
