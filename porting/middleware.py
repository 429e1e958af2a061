import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from porting.models import OldPath

_file_like = re.compile(r"\.(?:s?html?|php|aspx?|cgi|jsp)$", re.IGNORECASE)
_number_segment = re.compile(r"/\d+(?:/|$)")


def could_be_old_path(path: str) -> bool:
    """Whether `path` has the shape of an old blog's permalink, so is worth a lookup.

    Old permalinks end like files (`/2004/09/post_12.html`, `/archives/000123.html`),
    have a number in them (WordPress `/2019/04/slug/`, `/archives/123`), are a
    single name (WordPress `/slug/`) or fit IMPORT_OLD_PERMALINK. Any other
    404 (a robot probing `/wp-admin/setup/config/`) costs no query.
    """
    if _file_like.search(path) or _number_segment.search(path):
        return True
    if path.strip("/") and "/" not in path.strip("/"):
        return True
    pattern = settings.KIJI_IMPORT_OLD_PERMALINK
    return bool(pattern) and _pattern_regex(pattern).fullmatch(path) is not None


def _pattern_regex(pattern: str) -> re.Pattern:
    parts = re.split(r"(\{year\}|\{month\}|\{day\}|\{basename\})", pattern)
    fields = {"{year}": r"\d{4}", "{month}": r"\d{2}", "{day}": r"\d{2}", "{basename}": r"[^/]+"}
    return re.compile("".join(fields.get(part, re.escape(part)) for part in parts))


class OldPathRedirectMiddleware:
    """Answer a 404 for a path the blog had before it moved here with a 301 to its new page.

    Only requests that found nothing, and whose path could be an old
    permalink, are looked up (one indexed query), so Kiji's own pages never
    pay for it. Posts that readers may not see are not redirected to.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 404
            or request.method not in ("GET", "HEAD")
            or not could_be_old_path(request.path)
        ):
            return response
        old = (
            OldPath.objects.select_related("post")
            .filter(path__in={request.path, request.path.rstrip("/")})
            .first()
        )
        if old is None or not old.post.is_published():
            return response
        return HttpResponsePermanentRedirect(old.post.get_absolute_url())
