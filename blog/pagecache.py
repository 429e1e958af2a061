"""Whole-page caching for anonymous readers, with exact invalidation.

Reader pages (index, posts, archives, categories, tags, feeds) are wrapped
with `cached_page` in `blog/urls.py`. A wrapped page is served from Django's
cache (Redis in production, see `CACHE_URL`) when the request is anonymous,
and stored there after it is rendered. It needs a cache that every app
process shares: with the in-process default, `KIJI_PAGE_CACHE_SECONDS`
defaults to 0 and pages are not cached (config/settings.py).

Freshness: every cached page belongs to one *page generation*, a random
token kept in the shared cache and stored with each page. Any change that a
page shows calls `invalidate_pages()`, which replaces the token, so every app
process treats the pages stored before as missing on its very next request
(one cache round trip fetches the token and the page together; a page is
rendered again and replaces the old entry, or expires after
`KIJI_PAGE_CACHE_SECONDS`). Changes that come with time alone (a scheduled
post going live, discussion closing after `KIJI_CLOSE_DISCUSSION_AFTER_DAYS`)
are known in advance: the generation also records when the next one is due
and is replaced by the first request after that moment.

Who calls `invalidate_pages()`:

* blog itself (`blog/signals.py`): saving or deleting a post, category, tag
  or user (author names), changing a post's tags, and the admin's bulk
  publish / unpublish;
* `comments.moderation.moderate()` whenever an item's status changes, and,
  for every model registered with `comments.moderation.register()`, saving
  or deleting an approved item (a new comment approved at once, an approved
  comment edited or deleted). TrackBacks registered there are covered by the
  same hooks; any other app whose change shows on a page calls
  `blog.pagecache.invalidate_pages()` itself.

Never cached (served straight from the views, and never stored):

* requests other than GET/HEAD, requests with query parameters other than
  `page` (a search, a tracking parameter);
* personal requests: a session cookie (logged-in staff, a visitor whose
  session holds their own pending comments, flash messages kept in the
  session), the messages cookie, or any cookie an app registered with
  `register_personal_cookie()` (comments registers its "remember me"
  cookie). These responses are marked `Cache-Control: private`;
* responses that are not 200, that set cookies, that leave messages behind,
  that changed the session, or that say `Cache-Control: private/no-store`.

The one per-visitor value on a public page is the CSRF token of the comment
form: pages are rendered and stored with a placeholder that is replaced with
the visitor's own token (and cookie) when the page is served.

Conditional GET: a cached page carries the validators its view set (feeds
set their own); other pages get a weak ETag made of the generation and the
address, and a Last-Modified of the latest invalidation. A client holding
the current version gets a 304 without the view running.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.models import Min, Q
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language

STATE_KEY = "kiji:pages:state"
CACHEABLE_PARAMS = frozenset({"page"})
# Stands in for the CSRF token in stored pages; as long as a real token.
CSRF_PLACEHOLDER = "kijicachedpagecsrftokenplaceholder" + "0" * 30
_STORED_HEADERS = ("Content-Type", "Content-Language", "ETag", "Last-Modified")
# The page's main object stays on the cached response's `context_data`, for
# middleware that reads it (trackbacks announces its endpoints on open posts).
_KEPT_CONTEXT = ("post", "object")
_personal_cookies: set[str] = set()


def register_personal_cookie(name: str) -> None:
    """Treat requests carrying cookie `name` as personal: never cached, never stored."""
    _personal_cookies.add(name)


def invalidate_pages() -> None:
    """Make every cached page fresh on the next request, in every app process.

    Call it after any change a reader page shows. Inside a transaction the
    generation is replaced now and again once the transaction commits, so a
    page rendered from the data before the commit is never kept.
    """
    _new_state()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_state)


def _timeout() -> int:
    return settings.KIJI_PAGE_CACHE_SECONDS


def _next_timed_change() -> float | None:
    """When a page will change with no one saving anything (a timestamp), or None."""
    from blog.models import Post

    now = timezone.now()
    posts = Post.objects.filter(status=Post.Status.PUBLISHED)
    moments = [posts.filter(published_at__gt=now).aggregate(m=Min("published_at"))["m"]]
    days = settings.KIJI_CLOSE_DISCUSSION_AFTER_DAYS
    if days:
        window = now - timedelta(days=days)
        opened = (
            posts.filter(published_at__gt=window, published_at__lte=now)
            .filter(Q(comments_enabled=True) | Q(pings_enabled=True))
            .aggregate(m=Min("published_at"))["m"]
        )
        moments.append(opened + timedelta(days=days) if opened else None)
    moments = [m for m in moments if m is not None]
    return min(moments).timestamp() if moments else None


def _new_state() -> dict:
    state = {
        "generation": secrets.token_hex(8),
        "changed_at": int(time.time()),
        "next_change": _next_timed_change(),
    }
    cache.set(STATE_KEY, state, timeout=None)
    return state


def _valid(state: dict | None) -> dict:
    if state is None or (state["next_change"] is not None and time.time() >= state["next_change"]):
        return _new_state()
    return state


def current_state() -> dict:
    """The page generation all processes share (made afresh when missing or due)."""
    return _valid(cache.get(STATE_KEY))


def is_personal(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    names = {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name, *_personal_cookies}
    return any(cookies.get(name) for name in names)


def _is_cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and set(request.GET) <= CACHEABLE_PARAMS
        and not is_personal(request)
    )


@functools.cache
def _settings_version() -> str:
    """A digest of the settings pages depend on: a new configuration renders anew."""
    names = sorted(n for n in dir(settings) if n.startswith("KIJI_"))
    names += ["LANGUAGE_CODE", "TIME_ZONE", "STATIC_URL", "STORAGES", "DEBUG"]
    values = repr([(n, getattr(settings, n, None)) for n in names])
    return hashlib.sha256(values.encode()).hexdigest()[:12]


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    _settings_version.cache_clear()


def _page_key(request: HttpRequest) -> str:
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"kiji:page:{_settings_version()}:{get_language()}:{digest}"


def _is_storable(request: HttpRequest, response: HttpResponse) -> bool:
    storage = getattr(request, "_messages", None)
    session = getattr(request, "session", None)
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (storage is not None and getattr(storage, "_queued_messages", None))
        and not (session is not None and session.modified)
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def _stored(response: HttpResponse, state: dict, key: str) -> dict:
    headers = {name: response[name] for name in _STORED_HEADERS if response.has_header(name)}
    headers.setdefault("ETag", f'W/"{state["generation"]}-{key[-12:]}"')
    headers.setdefault("Last-Modified", http_date(state["changed_at"]))
    context = getattr(response, "context_data", None) or {}
    return {
        "generation": state["generation"],
        "status": response.status_code,
        "headers": headers,
        "content": response.content,
        "context": {name: _bare(context[name]) for name in _KEPT_CONTEXT if name in context},
    }


def _bare(value):
    """A model instance without its related objects (the author's account stays out)."""
    if isinstance(value, models.Model):
        value = copy.copy(value)
        value._state.fields_cache = {}
        value.__dict__.pop("_prefetched_objects_cache", None)
    return value


def _serve(request: HttpRequest, entry: dict) -> HttpResponse:
    content = entry["content"]
    placeholder = CSRF_PLACEHOLDER.encode()
    if placeholder in content:
        content = content.replace(placeholder, get_token(request).encode())
    response = HttpResponse(content, status=entry["status"])
    for name, value in entry["headers"].items():
        response[name] = value
    if entry.get("context"):
        response.context_data = entry["context"]
    return response


def _last_modified(entry: dict) -> int | None:
    return parse_http_date_safe(entry["headers"].get("Last-Modified", ""))


def cached_page(view):
    """Serve `view` to anonymous readers from the shared page cache (see module doc)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _timeout() <= 0:
            return view(request, *args, **kwargs)
        if not _is_cacheable_request(request):
            response = view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD") and is_personal(request):
                patch_cache_control(response, private=True)
            return response
        key = _page_key(request)
        # One round trip to the cache for the generation and the page.
        found = cache.get_many([STATE_KEY, key])
        state = _valid(found.get(STATE_KEY))
        entry = found.get(key)
        if entry is None or entry.get("generation") != state["generation"]:
            request.kiji_page_cache_fill = True
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response.render()
            if not _is_storable(request, response):
                return _filled(request, response)
            entry = _stored(response, state, key)
            cache.set(key, entry, timeout=_timeout())
        not_modified = get_conditional_response(
            request, etag=entry["headers"]["ETag"], last_modified=_last_modified(entry)
        )
        if not_modified is not None:
            return not_modified
        return _serve(request, entry)

    wrapper.kiji_page_cache = True
    return wrapper


def _filled(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A response rendered for the cache but not stored: give it its real CSRF token."""
    if not response.streaming and CSRF_PLACEHOLDER.encode() in response.content:
        response.content = response.content.replace(
            CSRF_PLACEHOLDER.encode(), get_token(request).encode()
        )
    return response


def csrf_placeholder(request: HttpRequest) -> dict:
    """Context processor: a placeholder CSRF token while a page renders for the cache."""
    if getattr(request, "kiji_page_cache_fill", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}
