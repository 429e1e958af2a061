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
            help="auto (guess UTF-8, EUC-JP, Shift_JIS or ISO-2022-JP), utf-8, euc-jp (any "
            "EUC-JP Japanese software wrote: plain, CP51932, eucJP-ms or EUC-JIS-2004), "
            "shift_jis, iso-2022-jp, a variant by name (cp51932, eucjp-ms, euc-jis-2004, "
            "shift_jis-2004, cp50221), or any other encoding name.",
        )
        parser.add_argument(
            "--old-permalink",
            help="Pattern of the old blog's post paths, for 301 redirects from entries "
            "without a UNIQUE URL, e.g. /blog/{year}/{month}/{basename}.html "
            "(default: the IMPORT_OLD_PERMALINK setting).",
        )
