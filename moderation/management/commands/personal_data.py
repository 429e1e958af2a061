import json
import sys

from django.core.management.base import BaseCommand, CommandError

from moderation import privacy


class Command(BaseCommand):
    help = (
        "Answer a commenter's request about their personal data: export everything stored "
        "for an email address (or another name apps register: a fediverse actor's URI) as "
        "JSON, anonymise it (the texts stay, who wrote them goes), or delete it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["export", "anonymise", "delete"])
        parser.add_argument(
            "email", metavar="EMAIL_OR_NAME", help="An email address, or a fediverse actor URI."
        )
        parser.add_argument("--output", help="Write the export to this file (default: stdout).")
        parser.add_argument(
            "--yes", action="store_true", help="Anonymise or delete without asking."
        )

    def handle(self, *args, action: str, email: str, output: str | None, yes: bool, **options):
        if privacy.addresses(email) is None:
            raise CommandError(
                f"{email!r} is not an email address, nor another name of a person Kiji reads."
            )
        if action == "export":
            text = json.dumps(privacy.export(email), ensure_ascii=False, indent=2)
            if output:
                with open(output, "w", encoding="utf-8") as f:
                    f.write(text + "\n")
                self.stderr.write(f"Written to {output}.")
            else:
                self.stdout.write(text)
            return
        found = sum(
            len(items) for items in privacy.export(email).values() if isinstance(items, list)
        )
        if not found:
            self.stdout.write(f"Nothing is stored for {email}.")
            return
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(f"Add --yes to {action} {found} items without a terminal.")
            if input(f"{action.capitalize()} {found} items of {email}? [y/N] ") != "y":
                raise CommandError("Cancelled.")
        n = privacy.anonymise(email) if action == "anonymise" else privacy.delete(email)
        done = "anonymised" if action == "anonymise" else "deleted"
        self.stdout.write(self.style.SUCCESS(f"{n} items of {email} {done}."))
