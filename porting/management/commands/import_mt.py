from porting.management.base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a Movable Type, TypePad or cocolog export: posts, categories, tags, "
        "comments and pings, with 301 redirects from the old URLs. Safe to run again."
    )
    kind = "mt"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--encoding",
            default="auto",
            help="auto (guess UTF-8, EUC-JP or Shift_JIS), utf-8, euc-jp, shift_jis, "
            "or any other encoding name.",
        )
        parser.add_argument(
            "--old-permalink",
            help="Pattern of the old blog's post paths, for 301 redirects from entries "
            "without a UNIQUE URL, e.g. /blog/{year}/{month}/{basename}.html "
            "(default: the IMPORT_OLD_PERMALINK setting).",
        )
