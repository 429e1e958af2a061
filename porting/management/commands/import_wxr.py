from porting.management.base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a WordPress export (WXR): posts, categories, tags, comments, trackbacks and "
        "pingbacks, with 301 redirects from the old permalinks. Safe to run again."
    )
    kind = "wxr"
