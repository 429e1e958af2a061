from porting import wxr
from porting.management.base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a WordPress export (WXR): posts, categories, tags, comments, trackbacks and "
        "pingbacks, with 301 redirects from the old permalinks. Safe to run again."
    )

    def count(self, stream, **options) -> int:
        return wxr.count_items(stream)

    def entries(self, stream, **options):
        self.reader = wxr.WXRReader(stream)
        return self.reader

    def show_report(self, report, *, verbosity: int) -> None:
        skipped = ", ".join(f"{n} {kind}" for kind, n in sorted(self.reader.skipped.items()))
        if skipped:
            report.warnings.append(f"not imported (Kiji holds posts only): {skipped}")
        super().show_report(report, verbosity=verbosity)
