"""Hits on pages this process holds, answered before Django's request cycle.

`config.wsgi` serves with `PageCacheHandler`, Django's WSGI handler with one
step in front. A page-cache hit served from this process's own copy, while
the generation watcher vouches that the copy is current (pagecache/watch.py),
needs no network, database, session or URL resolving; what it still paid for
was the request cycle around it: the `request_started` signal and its
database bookkeeping, ten middleware layers, each wrapped for exceptions,
that have nothing to do for it. That was about a third of a hit. Here such a
hit is answered by the page cache's own `serve()` (the stored page and
headers, the visitor's CSRF token and cookie, conditional GET) followed by
what the middleware above the page cache does to a hit
(`SecurityMiddleware.process_response`).

Everything else goes through Django as before, including every request the
middleware above the page cache would treat otherwise:

* anything but a GET without a query string, personal requests (the page
  cache's own rule), and a Host Django refuses (Django answers 400);
* with `SECURE_SSL_REDIRECT`, a request that is not secure (it is redirected);
* a request under `STATIC_URL` (WhiteNoise serves it);
* a request whose Accept header names JSON: the ActivityPub middleware may
  answer it with an ActivityPub object instead of the page;
* any project whose middleware above the page cache is not one of those
  three: what an unknown middleware does to a hit cannot be done here.

Any other hit goes through the ActivityPub middleware itself (when the
project has it) on its way out: with the fediverse on, it adds `Vary: Accept`
to the pages it negotiates, as it does for a hit that goes through Django.

The response is handed to the server as Django's handler hands it, so
closing it still sends `request_finished`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost, MiddlewareNotUsed
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.utils.module_loading import import_string

from pagecache import pages

logger = logging.getLogger(__name__)

PAGE_CACHE = "pagecache.pages.PageCacheMiddleware"
SECURITY = "django.middleware.security.SecurityMiddleware"
NEGOTIATION = "fediverse.middleware.ActivityPubMiddleware"
# Middleware above the page cache whose effect on a hit this module reproduces.
UNDERSTOOD_ABOVE = {SECURITY, "whitenoise.middleware.WhiteNoiseMiddleware", NEGOTIATION}


class PageCacheHandler(WSGIHandler):
    """Django's WSGI handler, answering vouched local page-cache hits first (see module doc)."""

    def __init__(self) -> None:
        super().__init__()
        self.page_cache = None
        self.security = None
        self.negotiation = None
        middleware = list(settings.MIDDLEWARE)
        if PAGE_CACHE not in middleware:
            return
        above = set(middleware[: middleware.index(PAGE_CACHE)])
        if not above <= UNDERSTOOD_ABOVE:
            return
        try:
            self.page_cache = pages.PageCacheMiddleware(_not_called)
        except MiddlewareNotUsed:
            return
        if SECURITY in above:
            self.security = SecurityMiddleware(_not_called)
        if NEGOTIATION in above:
            # Around the hit, as around the page cache: it hands a request that
            # is not JSON to the hit and adds its Vary header.
            self.negotiation = import_string(NEGOTIATION)(self._serve_hit)

    def __call__(self, environ, start_response):
        response = self.hit(environ) if self.page_cache is not None else None
        if response is None:
            return super().__call__(environ, start_response)
        response._handler_class = self.__class__
        status = f"{response.status_code} {response.reason_phrase}"
        headers = [
            *response.items(),
            *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
        ]
        start_response(status, headers)
        return response

    def hit(self, environ) -> HttpResponse | None:
        """The answer to a vouched local hit, or None: Django answers the request."""
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
            or "json" in environ.get("HTTP_ACCEPT", "")
            or pages._timeout() <= 0
        ):
            return None
        request = WSGIRequest(environ)
        if request.path_info.startswith(settings.STATIC_URL) or pages.is_personal(request):
            return None
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None
        try:
            key = pages._page_key(request)
        except DisallowedHost:
            return None
        local = pages.local_pages.get(key)
        if local is None or pages.vouched_state(local) is None:
            return None
        request.kiji_fast_hit = local
        try:
            if self.negotiation is not None:
                response = self.negotiation(request)
            else:
                response = self._serve_hit(request)
            if self.security is not None:
                response = self.security.process_response(request, response)
        except Exception:
            # A bug here must not cost the reader the page: Django serves it.
            logger.exception("Serving %s from this process's page cache failed", request.path)
            return None
        response._resource_closers.append(request.close)
        return response

    def _serve_hit(self, request: WSGIRequest) -> HttpResponse:
        return self.page_cache.serve(request, request.kiji_fast_hit)


def _not_called(request):  # pragma: no cover - the middleware's next layer is never used here
    raise AssertionError("the page cache's fast path never calls the rest of the stack")
