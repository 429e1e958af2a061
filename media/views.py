"""Serving the library's files when no reverse proxy does (`make run`, `make serve`)."""

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django.views.static import serve as static_serve

# Types a browser may show inline; everything else (PDF, SVG, ...) is a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/avif"}
# Rendition names end in a digest of their content: they never change.
RENDITION_NAME = re.compile(r"-\d+w-[0-9a-f]{12}\.[a-z]+$")
YEAR = 365 * 24 * 3600


@require_safe
def serve(request: HttpRequest, path: str) -> HttpResponse:
    """One file under MEDIA_ROOT, with the headers the README asks of a proxy."""
    if not settings.KIJI_SERVE_MEDIA:
        raise Http404
    root = Path(settings.MEDIA_ROOT).resolve()
    private = Path(settings.KIJI_MEDIA_PRIVATE_ROOT).resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or target.is_relative_to(private):
        raise Http404
    response = static_serve(request, path, document_root=str(root))
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith(("+xml", "/xml")):
        content_type += "; charset=utf-8"
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    if content_type in INLINE_TYPES:
        del response["Content-Disposition"]
    else:
        response["Content-Disposition"] = "attachment"
    if RENDITION_NAME.search(path):
        response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response["Cache-Control"] = "public, max-age=86400"
    return response
