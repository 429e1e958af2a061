from django.core.management.base import BaseCommand

from blog.pagecache import invalidate_pages


class Command(BaseCommand):
    help = (
        "Make every cached page fresh (run after deploying new code or templates; "
        "content changes do this by themselves)."
    )

    def handle(self, *args, **options) -> None:
        invalidate_pages()
        self.stdout.write("Cached pages will be rendered afresh.")
