"""Announce the Pingback and Webmention endpoints on post pages, in HTTP headers.

Pingback 1.0 asks for `X-Pingback`, Webmention for a `Link` header; both are
sent only on a published post that accepts pings (`post.pings_open`). The
post comes from the page's template context, so `blog` knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def linkback_headers(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        match = request.resolver_match
        if match is None or match.view_name != "blog:post" or response.status_code != 200:
            return response
        post = (getattr(response, "context_data", None) or {}).get("post")
        if post is None or not post.pings_open:
            return response
        response["X-Pingback"] = request.build_absolute_uri(reverse("trackbacks:xmlrpc"))
        webmention = request.build_absolute_uri(reverse("trackbacks:webmention"))
        link = f'<{webmention}>; rel="webmention"'
        response["Link"] = f"{response['Link']}, {link}" if response.has_header("Link") else link
        return response

    return middleware
