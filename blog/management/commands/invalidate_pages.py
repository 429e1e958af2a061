from django.core.management.base import BaseCommand, CommandError

from blog.pagecache import invalidate_pages, invalidation_owed


class Command(BaseCommand):
    help = (
        "Make every cached page fresh (run after deploying new code or templates; "
        "content changes do this by themselves)."
    )

    def handle(self, *args, **options) -> None:
        invalidate_pages()
        if invalidation_owed():
            raise CommandError("The shared cache is unreachable: run this again once it answers.")
        self.stdout.write("Cached pages will be rendered afresh.")
