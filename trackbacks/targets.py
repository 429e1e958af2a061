"""Which post a ping is for: the site's addresses, and the URLs that count as a link to a post."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.encoding import iri_to_uri, uri_to_iri

from blog.models import Post


def site_hosts(request=None) -> set[str]:
    hosts = {urlsplit(settings.KIJI_SITE_URL).netloc.lower()}
    if request is not None:
        hosts.add(request.get_host().lower())
    return hosts


def post_for_target(url: str, *, hosts: set[str]) -> Post | None:
    """The published post a target URL names on this site, or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in hosts:
        return None
    try:
        match = resolve(unquote(parts.path or "/"))
    except Resolver404:
        return None
    if match.view_name != "blog:post":
        return None
    return Post.objects.published().filter(slug=match.kwargs.get("slug")).first()


def accepted_targets(post: Post, *extra: str) -> set[str]:
    """The URLs that count as a link to `post` on a source page (URI and IRI spellings)."""
    urls = {settings.KIJI_SITE_URL.rstrip("/") + iri_to_uri(post.get_absolute_url())}
    urls.update(u for u in extra if u)
    return urls | {uri_to_iri(u) for u in urls}
