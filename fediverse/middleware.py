"""A post's permalink answers ActivityPub clients with the Article, browsers with the page.

A comment's permalink does the same for the author's answers sent to the
fediverse (the Note, fediverse/answers.py); browsers get its usual redirect.

Placed before `pagecache.pages.PageCacheMiddleware`: a request asking for
ActivityPub JSON is answered here and never reaches the page cache, so the
cache (whose key does not hold the Accept header) never stores or serves JSON
for a browser nor HTML for a server. Post pages carry `Vary: Accept` for the
caches in front of the site.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from fediverse import answers, views

POST_VIEW_NAME = "blog:post"
# What answers ActivityPub clients at each negotiated page.
OBJECT_VIEWS = {POST_VIEW_NAME: views.post_object, "comments:permalink": answers.note_response}
AS_PROFILE = "https://www.w3.org/ns/activitystreams"


def _media_ranges(accept: str):
    """(type, params, quality) for each media range of an Accept header."""
    for part in accept.split(",")[:20]:
        media_type, *raw_params = part.split(";")
        params, quality = {}, 1.0
        for raw in raw_params:
            name, _, value = raw.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            else:
                params[name] = value
        yield media_type.strip().lower(), params, quality


def wants_activity_json(request: HttpRequest) -> bool:
    """Return True if the Accept header prefers ActivityStreams JSON to HTML.

    `application/activity+json`, or `application/ld+json` with the
    ActivityStreams profile; HTML wins ties and everything else.
    """
    activity, html = 0.0, 0.0
    for media_type, params, quality in _media_ranges(request.headers.get("Accept", "")):
        if media_type == "application/activity+json" or (
            media_type == "application/ld+json" and AS_PROFILE in params.get("profile", "").split()
        ):
            activity = max(activity, quality)
        elif media_type in ("text/html", "application/xhtml+xml"):
            html = max(html, quality)
    return activity > 0 and activity > html


def _object_page(request: HttpRequest):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match if match.view_name in OBJECT_VIEWS else None


class ActivityPubMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not settings.KIJI_FEDIVERSE_ENABLED:
            return self.get_response(request)
        match = _object_page(request)
        if match is None:
            return self.get_response(request)
        if wants_activity_json(request):
            response = OBJECT_VIEWS[match.view_name](request, **match.kwargs)
        else:
            response = self.get_response(request)
        patch_vary_headers(response, ["Accept"])
        return response
