"""Print the placeholder address a fediverse actor's comments carry.

`personal_data` takes the actor URI itself; this shows which address the comment admin lists.
"""

from django.core.management.base import BaseCommand

from fediverse.replies import fediverse_actor_email


class Command(BaseCommand):
    help = (
        "Print the address a fediverse commenter's comments carry (as the comment admin "
        "shows it); manage.py personal_data takes the actor URI itself."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("actor_uri")

    def handle(self, *args, actor_uri: str, **options) -> None:
        self.stdout.write(fediverse_actor_email(actor_uri))
