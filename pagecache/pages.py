"""Whole-page caching for anonymous readers, with exact invalidation.

Reader pages (index, posts, archives, categories, tags, feeds) are wrapped
with `cached_page` by the project's URLconf (`cache_reader_pages` in
`config/urls.py`). `PageCacheMiddleware`, near the top of
`MIDDLEWARE`, answers an anonymous request from Django's cache (Redis in
production, see `CACHE_URL`) before sessions, URL resolving or any view run,
and stores a wrapped page's finished response (with the headers the rest of
the stack added) after it is rendered. It needs a cache that every app
process shares: with the in-process default, `KIJI_PAGE_CACHE_SECONDS`
defaults to 0 and pages are not cached (config/settings.py).

Freshness: every cached page belongs to one *page generation*, a random
token kept in the shared cache and stored with each page. Any change that a
page shows calls `invalidate_pages()`, which replaces the token, so every app
process treats the pages stored before as missing on its very next request
(one cache round trip fetches the token and the page together, or the
token alone when this process holds a copy of the page made under it, see
`LocalPages`; a page is rendered again and replaces the old entry, or
expires after `KIJI_PAGE_CACHE_SECONDS`). Changes that come with time alone (a scheduled
post going live, discussion closing after `KIJI_CLOSE_DISCUSSION_AFTER_DAYS`)
are known in advance: the generation also records when the next one is due
and is replaced by the first request after that moment.

When the shared cache cannot be reached (pagecache/backends.py then lets pages be
rendered without it), a change's new generation that could not be stored is
*owed*: the process that made the change trusts no generation it reads until
it has stored a new one, which it tries at the start of its every request and
at exit (warning if it exits still owing it). So once the cache answers again,
pages stored before the change are never served by that process, and by the
others only until it has begun its next request.

When pages are made fresh: `invalidate_pages()` runs on every
`blog.signals.content_changed` (`pagecache/signal_handlers.py`). Blog sends it
for a post, category, tag or author saved or deleted, a post's tags changed,
bulk changes (the admin's unpublish action, an import), and every raise of a
post's discussion revision, which the moderation app makes whenever readers
see a comment or ping appear, change or go.

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
the visitor's own token (and cookie, by Django's CSRF middleware) when the
page is served.

Conditional GET: a cached page carries the validators its view set (feeds
set their own); other pages get a weak ETag made of the generation and the
address. A client holding the current version gets a 304 without the view
running.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import os
import re
import secrets
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.core.exceptions import MiddlewareNotUsed
from django.core.signals import request_started, setting_changed
from django.db import transaction
from django.db.models import Min, Q
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import URLPattern
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe
from django.utils.translation import get_language

from pagecache import csrf_tokens
from pagecache.watch import GenerationWatcher

STATE_KEY = "kiji:pages:state"
# How long a generation made inside a transaction is waited for (see `_new_state`).
UNCOMMITTED_SECONDS = 5
_HOST = socket.gethostname()
# The token of the parts pages share (see `remembered_for_this_generation`).
PARTS_KEY = "kiji:pages:parts"
CACHEABLE_PARAMS = frozenset({"page"})
# Says whether a page came from the cache ("hit") or was rendered and stored ("miss").
CACHE_STATUS_HEADER = "X-Page-Cache"
# Stands in for the CSRF token in stored pages; as long as a real token.
CSRF_PLACEHOLDER = "kijicachedpagecsrftokenplaceholder" + "0" * 30
_personal_cookies: set[str] = set()
_fresh_values: list[tuple[bytes, re.Pattern[bytes], Callable[[re.Match[bytes]], bytes]]] = []
# A generation made here that could not be stored yet (see module doc).
_owed_state: dict | None = None
logger = logging.getLogger("kiji.cache")
T = TypeVar("T")


def register_personal_cookie(name: str) -> None:
    """Treat requests carrying cookie `name` as personal: never cached, never stored."""
    _personal_cookies.add(name)


def register_fresh_value(pattern: bytes, make: Callable[[re.Match[bytes]], bytes]) -> None:
    """Have every match of `pattern` in a stored page replaced by `make(match)` when served.

    For a value that must be made when the visitor gets the page, not when it
    was stored (comments: the signed time the comment form was shown). The
    pattern must begin with a literal marker: pages without it are not searched.
    """
    marker = re.match(rb"[\w-]+", pattern).group()
    _fresh_values.append((marker, re.compile(pattern), make))


def is_rendering_for_the_cache(request: HttpRequest) -> bool:
    """Whether this response will be stored and served to others (see `register_fresh_value`)."""
    return getattr(request, "kiji_page_cache_fill", None) is not None


def with_visitor_values(markup: str, request: HttpRequest) -> str:
    """`markup` rendered with this module's placeholders, ready for `request`'s page.

    For markup kept apart from pages and reused in them (pagecache/fragments.py):
    a page being rendered for the cache keeps the placeholders, which the
    middleware fills for each visitor; any other page gets this visitor's
    CSRF token and fresh values now.
    """
    if is_rendering_for_the_cache(request):
        return markup
    return _filled(markup.encode(), request).decode()


def _filled(content: bytes, request: HttpRequest) -> bytes:
    """`content` with the visitor's CSRF token and every registered fresh value in place."""
    return _join(_pieces(content), request)


Piece = bytes | Callable[[HttpRequest], bytes]


def _pieces(content: bytes) -> list[Piece]:
    """`content` cut where the visitor's own values go: literal bytes and makers of values."""
    # bytes.find skips the page to each marker far faster than the regex
    # engine scanning it: a page is tens of kilobytes and a hit must be cheap.
    placeholder = CSRF_PLACEHOLDER.encode()
    pieces: list[Piece] = [content]
    if placeholder in content:
        pieces = _cut(pieces, placeholder, lambda piece, found: (_visitor_token, len(placeholder)))
    for marker, pattern, make in _fresh_values:
        pieces = _cut(pieces, marker, _fresh_maker(pattern, make))
    return pieces


def _join(pieces: list[Piece], request: HttpRequest) -> bytes:
    if len(pieces) == 1:
        return pieces[0]
    return b"".join(piece if isinstance(piece, bytes) else piece(request) for piece in pieces)


def _visitor_token(request: HttpRequest) -> bytes:
    return csrf_tokens.token_for(request).encode()


def _fresh_maker(pattern: re.Pattern[bytes], make):
    def at(content: bytes, found: int):
        match = pattern.match(content, found)
        if match is None:
            return None, 0
        return (lambda request: make(match)), match.end() - found

    return at


def _cut(pieces: list, marker: bytes, at) -> list:
    """`pieces` with each literal piece cut where `marker` begins a value to fill.

    `at(content, index)` returns what makes the value found there (a function
    of the request) and the length it replaces, or (None, 0) when the marker
    begins no value.
    """
    cut = []
    for piece in pieces:
        if not isinstance(piece, bytes):
            cut.append(piece)
            continue
        start = search = 0
        while (found := piece.find(marker, search)) != -1:
            value, length = at(piece, found)
            if value is None:
                search = found + len(marker)
                continue
            cut += [piece[start:found], value]
            start = search = found + length
        cut.append(piece[start:])
    return cut


def invalidate_pages(*, discussion_only: bool = False) -> None:
    """Make every cached page fresh on the next request, in every app process.

    Call it after any change a reader page shows. Inside a transaction the
    generation is replaced now and again once the transaction commits, so a
    page rendered from the data before the commit is never kept. A change to
    the comments or pings of posts alone (`discussion_only`) leaves the parts
    kept by `remembered_for_this_generation` as they are.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _new_state(owed=True, keep_parts=discussion_only)
        return
    _new_state(owed=True, keep_parts=discussion_only, uncommitted=True)
    # One generation for the commit however many changes the transaction made
    # (approving a comment saves it and raises its post's revision): each one
    # more would have other processes render the pages again in between.
    # A renewal registered in a savepoint rolled back since is no longer listed.
    pending = next(
        (call for _, call, _ in connection.run_on_commit if isinstance(call, _RenewalAtCommit)),
        None,
    )
    if pending is None:
        transaction.on_commit(_RenewalAtCommit(keep_parts=discussion_only))
    else:
        pending.keep_parts = pending.keep_parts and discussion_only


class _RenewalAtCommit:
    """The new generation a transaction's commit makes, for all the changes it made."""

    def __init__(self, *, keep_parts: bool) -> None:
        self.keep_parts = keep_parts

    def __call__(self) -> None:
        _new_state(owed=True, keep_parts=self.keep_parts)


def _timeout() -> int:
    return settings.KIJI_PAGE_CACHE_SECONDS


def _next_timed_change() -> float | None:
    """When a page will change with no one saving anything (a timestamp), or None."""
    from blog.models import Post

    now = timezone.now()
    posts = Post.objects.filter(status=Post.Status.PUBLISHED)
    moments = [Post.objects.scheduled().aggregate(m=Min("published_at"))["m"]]
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


def _new_state(*, owed: bool = False, keep_parts: bool = False, uncommitted: bool = False) -> dict:
    """A new generation, stored; if it cannot be and `owed` (a change was made), it is owed.

    A generation merely due (or missing) needs no debt: the old one, if the
    cache still has it, says itself that it is due. Unless `keep_parts`, the
    token of the remembered parts is replaced too (`state["parts"]`).

    An `uncommitted` generation is made inside the change's transaction: it
    says which thread made it, and other requests wait for the generation the
    commit makes rather than render under it (`_committed`). If the commit
    never comes (a rollback, a process that died), it is due after
    `UNCOMMITTED_SECONDS`.
    """
    global _owed_state
    next_change = _next_timed_change()
    if uncommitted:
        deadline = time.time() + UNCOMMITTED_SECONDS
        next_change = deadline if next_change is None else min(next_change, deadline)
    state = {
        "generation": secrets.token_hex(8),
        "changed_at": int(time.time()),
        "next_change": next_change,
        "parts": None if keep_parts else secrets.token_hex(8),
        "uncommitted": _this_thread() if uncommitted else None,
    }
    if not _store(state):
        _owed_state = None
    elif owed:
        # Paid with new parts as well: what the debt was for is not known.
        _owed_state = {
            **state,
            "parts": state["parts"] or secrets.token_hex(8),
            "uncommitted": None,
        }
    return state


def _this_thread() -> str:
    return f"{_HOST}:{os.getpid()}:{threading.get_ident()}"


def _committed(state: dict) -> tuple[dict, bool]:
    """The generation to render under, and whether a page rendered under it may be stored.

    A generation another thread made inside a transaction that has not
    committed yet would have its page rendered now and again under the
    generation the commit makes: wait for that one instead (up to
    `KIJI_PAGE_CACHE_RENDER_WAIT` seconds). Past the wait, the page is
    rendered and not stored. The thread that made the change sees its own
    writes, so it renders under it as under any other.
    """
    if not state.get("uncommitted") or state["uncommitted"] == _this_thread():
        return state, True
    deadline = time.monotonic() + settings.KIJI_PAGE_CACHE_RENDER_WAIT
    pause = 0.001
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
        current = cache.get(STATE_KEY)
        if not _is_current(current):
            return _new_state(), True
        if not current.get("uncommitted") or current["uncommitted"] == _this_thread():
            return current, True
    return state, False


def _store(state: dict) -> list:
    """Store `state` as the shared generation (and its parts token); the keys not stored."""
    values = {STATE_KEY: state}
    if state["parts"] is not None:
        values[PARTS_KEY] = state["parts"]
    # set_many() says whether the values were stored; set() does not.
    failed = cache.set_many(values, timeout=None)
    if not failed and (watcher := generation_watcher()) is not None:
        watcher.announce(state)
    return failed


_watchers: dict[str, GenerationWatcher | None] = {}


def generation_watcher() -> GenerationWatcher | None:
    """This process's watcher of the shared generation (pagecache/watch.py), if the cache has one.

    Only the Redis cache can announce changes; with any other, every hit asks.
    """
    if not _watchers:
        _watchers["default"] = _make_watcher()
    watcher = _watchers["default"]
    if watcher is not None:
        watcher.ensure_running()
    return watcher


def _make_watcher() -> GenerationWatcher | None:
    from pagecache.backends import RedisCache

    backend = caches["default"]
    if not settings.KIJI_PAGE_CACHE_WATCH or not isinstance(backend, RedisCache):
        return None
    client = backend._cache.get_client(write=True)
    state_key = backend.make_and_validate_key(STATE_KEY)
    serializer = backend._cache._serializer

    def read() -> dict | None:
        # Straight from Redis, not through the fail-soft backend: a read that
        # fails must end the watch, not look like "no generation".
        raw = client.get(state_key)
        return None if raw is None else serializer.loads(raw)

    database = client.connection_pool.connection_kwargs.get("db", 0)
    return GenerationWatcher(
        client,
        f"{state_key}:announced:{database}",
        read,
        heartbeat=settings.KIJI_PAGE_CACHE_WATCH_HEARTBEAT,
        bound=settings.KIJI_PAGE_CACHE_WATCH_BOUND,
    )


@receiver(setting_changed)
def _forget_watcher(setting: str, **kwargs) -> None:
    if setting == "CACHES" or setting.startswith("KIJI_PAGE_CACHE_WATCH"):
        for watcher in _watchers.values():
            if watcher is not None:
                watcher.stop()
        _watchers.clear()


def invalidation_owed() -> bool:
    """Whether a change made here could not replace the shared generation yet."""
    return _owed_state is not None


@receiver(request_started)
def _pay_owed_invalidation(**kwargs) -> None:
    if _owed_state is not None:
        _new_state()


@atexit.register
def _pay_owed_invalidation_at_exit() -> None:
    if _owed_state is not None and _store(_owed_state):
        logger.warning(
            "The shared cache was unreachable when pages were made fresh: "
            "run `manage.py invalidate_pages` once it answers again."
        )


def _is_current(state: dict | None) -> bool:
    # A process owing a generation trusts none it reads (see module doc).
    return (
        state is not None
        and _owed_state is None
        and (state["next_change"] is None or time.time() < state["next_change"])
    )


def _valid(state: dict | None) -> dict:
    return state if _is_current(state) else _new_state()


def current_state() -> dict:
    """The page generation all processes share (made afresh when missing or due)."""
    return _valid(cache.get(STATE_KEY))


def remembered_for_this_generation(name: str, compute: Callable[[], T]) -> T:
    """`compute()`, kept in the shared cache until something other than comments or pings changes.

    For costly parts that many pages share and that no comment or ping shows
    (the sidebar): after a change to posts, categories, tags or authors, or
    one that comes with time, the first page rendered computes the part again
    and the others reuse it; approving a comment leaves it. `compute` must
    return plain, picklable data. Without a page cache, it is simply called.
    """
    if _timeout() <= 0:
        return compute()
    key = _part_key(name)
    found = cache.get_many([STATE_KEY, PARTS_KEY, key])
    parts = found.get(PARTS_KEY)
    if not _is_current(found.get(STATE_KEY)) or parts is None:
        parts = _new_state()["parts"]
    return _labelled(key, parts, found.get(key), compute)


def remembered_since(request: HttpRequest, name: str, compute: Callable[[], T]) -> T:
    """`compute()` for a page rendered for the cache, kept like `remembered_for_this_generation`.

    For a part made from what the view read before calling this (a post page
    around its conversation, made from the post the view loaded first): it is
    labelled with the parts token `cached_page` read just before the view
    ran, so a change made while the page renders never has its token on what
    was read before it. A request that waited for another's render reads it
    after waiting, so a change it waited through is not hidden from it by a
    part kept before. Without such a token (the page is not rendered for the
    cache, or there was none), it is simply computed.
    """
    parts = getattr(request, "kiji_page_cache_parts", None)
    if parts is None or not is_rendering_for_the_cache(request):
        return compute()
    key = _part_key(name)
    return _labelled(key, parts, cache.get(key), compute)


def _part_key(name: str) -> str:
    return f"kiji:part:{settings_version()}:{get_language()}:{name}"


def _labelled(key: str, parts: str, stored: tuple | None, compute: Callable[[], T]) -> T:
    """The value `stored` under `key` if it has the token `parts`, else `compute()` stored so.

    `parts` must have been read before anything `compute` reads: if a change
    comes in between, its new token never serves this value.
    """
    if stored is not None and stored[0] == parts:
        return stored[1]
    value = compute()
    cache.set(key, (parts, value), timeout=_timeout())
    return value


def is_personal(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    names = {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name, *_personal_cookies}
    return any(cookies.get(name) for name in names)


def _is_cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and (not request.META.get("QUERY_STRING") or set(request.GET) <= CACHEABLE_PARAMS)
        and not is_personal(request)
    )


@functools.cache
def settings_version() -> str:
    """A digest of the settings pages depend on: a new configuration renders anew."""
    names = sorted(n for n in dir(settings) if n.startswith("KIJI_"))
    names += ["LANGUAGE_CODE", "TIME_ZONE", "STATIC_URL", "STORAGES", "DEBUG"]
    values = repr([(n, getattr(settings, n, None)) for n in names])
    return hashlib.sha256(values.encode()).hexdigest()[:12]


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    settings_version.cache_clear()
    _page_keys.clear()


def _page_key(request: HttpRequest) -> str:
    """The page's key: its address as Django reads it, the settings and the language.

    Remembered by what it is made of, as the request gives it: a hit need not
    check the host, build the address and hash it each time. A host Django
    refuses raises DisallowedHost, and is never remembered.
    """
    meta = request.META
    made_of = (
        request.scheme,
        meta.get("HTTP_X_FORWARDED_HOST"),
        meta.get("HTTP_X_FORWARDED_PORT"),
        meta.get("HTTP_HOST"),
        meta.get("SERVER_NAME"),
        meta.get("SERVER_PORT"),
        request.path,
        meta.get("QUERY_STRING"),
        get_language(),
    )
    key = _page_keys.get(made_of)
    if key is None:
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        key = f"kiji:page:{settings_version()}:{made_of[-1]}:{digest}"
        if len(_page_keys) >= PAGE_KEYS_REMEMBERED:
            _page_keys.clear()
        _page_keys[made_of] = key
    return key


# Keys of the pages last asked for (`_page_key`); emptied when full or when settings change.
PAGE_KEYS_REMEMBERED = 4096
_page_keys: dict[tuple, str] = {}


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


def _stored(response: HttpResponse, state: dict) -> dict:
    # Every header the whole stack gave the page (CSP, X-Frame-Options, the
    # ping endpoints...), so a hit needs none of that stack. Content-Length is
    # set again when the page is served; cookies are never stored.
    headers = {name: value for name, value in response.items() if name.lower() != "content-length"}
    return {
        "generation": state["generation"],
        "status": response.status_code,
        "headers": headers,
        "content": response.content,
    }


CONDITIONAL_HEADERS = frozenset(
    {
        "HTTP_IF_MATCH",
        "HTTP_IF_NONE_MATCH",
        "HTTP_IF_MODIFIED_SINCE",
        "HTTP_IF_UNMODIFIED_SINCE",
    }
)


class PreparedPage:
    """What serving a stored page needs, worked out once per copy in this process.

    A hit then neither parses the Last-Modified date nor searches the page for
    the places of the visitor's own values: the page is kept cut at those
    places, and filling it is one join.
    """

    def __init__(self, entry: dict) -> None:
        self.last_modified = parse_http_date_safe(entry["headers"].get("Last-Modified", ""))
        self.pieces = _pieces(entry["content"])
        self.needs_token = _visitor_token in self.pieces

    def fill(self, request: HttpRequest) -> bytes:
        return _join(self.pieces, request)


def _prepared(entry: dict) -> PreparedPage:
    # Kept beside the local copy, never stored in the shared cache.
    prepared = entry.get("prepared")
    if prepared is None:
        prepared = entry["prepared"] = PreparedPage(entry)
    return prepared


class LocalPages:
    """Copies of recently served pages in this process's memory, least recently used out first.

    A copy is only ever served after the shared generation, fetched from the
    shared cache on every request, says it is still current; so a change
    made through any process shows on the very next request here too. What
    the copy saves is moving the page itself out of the shared cache (and
    unpickling it) on every hit. At most `max_bytes` of page content are kept.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict) -> None:
        size = len(entry["content"])
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old["content"])
            self._entries[key] = entry
            self._size += size
            while self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped["content"])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


local_pages = LocalPages(settings.KIJI_PAGE_CACHE_LOCAL_KB * 1024)


@receiver(setting_changed)
def _local_size_changed(setting: str, value, **kwargs) -> None:
    if setting == "KIJI_PAGE_CACHE_LOCAL_KB":
        local_pages.clear()
        local_pages.max_bytes = value * 1024


def vouched_state(local: dict) -> dict | None:
    """The current generation, if this process's watcher vouches that `local` is of it.

    No network: None when there is no watcher, when it cannot vouch now, or
    when the copy is of another generation (then the shared cache decides).
    """
    watcher = generation_watcher()
    if watcher is None:
        return None
    vouched, state = watcher.state()
    if vouched and _is_current(state) and local["generation"] == state["generation"]:
        return state
    return None


def _shared_state_and_entry(key: str) -> tuple[dict | None, dict | None]:
    """The current generation and the page stored under it: one round trip if possible.

    Either may be None: no generation yet, or one that is due to be replaced
    (a view making a page renews it), or no current page.
    """
    local = local_pages.get(key)
    if local is not None:
        state = vouched_state(local)
        if state is not None:
            return state, local
        state = cache.get(STATE_KEY)
        if _is_current(state) and local["generation"] == state["generation"]:
            return state, local
        entry = cache.get(key) if _is_current(state) else None
    else:
        found = cache.get_many([STATE_KEY, key])
        state, entry = found.get(STATE_KEY), found.get(key)
    if not _is_current(state):
        return None, None
    if entry is None or entry.get("generation") != state["generation"]:
        return state, None
    local_pages.put(key, entry)
    return state, entry


class PageCacheMiddleware:
    """Answer anonymous readers from the page cache before the rest of the stack runs.

    (A hit on this process's own copy, vouched for by the generation watcher,
    is answered earlier still, by `pagecache.wsgi.PageCacheHandler` with this
    middleware's `serve()`.)

    Placed right after SecurityMiddleware and WhiteNoise: a hit costs one
    cache round trip and the visitor's CSRF token, and no session, URL
    resolving, view or template. On a miss the request goes on down the stack
    and, if its view is wrapped with `cached_page`, the finished response
    (with every header the inner middleware added) is stored.
    """

    def __init__(self, get_response):
        if settings.CSRF_USE_SESSIONS:
            # The visitor's token would live in a session a hit never opens.
            raise MiddlewareNotUsed("The page cache needs the CSRF token in a cookie.")
        self.get_response = get_response
        # Django's own CSRF middleware reads and sets the visitor's CSRF
        # cookie on a hit, exactly as it would further down the stack.
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _timeout() <= 0 or not _is_cacheable_request(request):
            return self.get_response(request)
        key = _page_key(request)
        state, entry = _shared_state_and_entry(key)
        if entry is not None:
            return self.serve(request, entry)
        request.kiji_page_cache_miss = (state, key)
        try:
            response = self.get_response(request)
            if getattr(request, "kiji_page_cache_waited", False):
                response[CACHE_STATUS_HEADER] = "wait"
                return self._with_visitor_values(request, response)
            # Set by `cached_page` when the view is a reader page: the generation it rendered under.
            state = getattr(request, "kiji_page_cache_fill", None)
            if state is None:
                return response
            if _is_storable(request, response):
                entry = _stored(response, state)
                cache.set(key, entry, timeout=_timeout())
                local_pages.put(key, entry)
                response[CACHE_STATUS_HEADER] = "miss"
            return self._with_visitor_values(request, response)
        finally:
            if lock := getattr(request, "kiji_page_cache_lock", None):
                # After storing: a request waiting for this render finds the page or no lock.
                cache.delete(lock)

    def serve(self, request: HttpRequest, entry: dict) -> HttpResponse:
        """`entry`, a stored page current for this request, with the visitor's own values."""
        prepared = _prepared(entry)
        response = _headers_of(entry)
        response[CACHE_STATUS_HEADER] = "hit"
        if not CONDITIONAL_HEADERS.isdisjoint(request.META):
            # The headers-only response lets a 304 carry ETag, Vary and the rest.
            conditional = get_conditional_response(
                request,
                etag=entry["headers"].get("ETag"),
                last_modified=prepared.last_modified,
                response=response,
            )
            if conditional is not response:
                return conditional
        if prepared.needs_token and "CSRF_COOKIE" not in request.META:
            self.csrf.process_request(request)
        response.content = prepared.fill(request)
        response["Content-Length"] = str(len(response.content))
        if prepared.needs_token:
            response = self.csrf.process_response(request, response)
        return response

    def _with_visitor_values(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Put the visitor's own values where the stored page has placeholders.

        The CSRF token (and its cookie), then every value an app registered
        with `register_fresh_value()`.
        """
        if response.streaming:
            return response
        stored = response.content
        needs_token = CSRF_PLACEHOLDER.encode() in stored
        if needs_token and "CSRF_COOKIE" not in request.META:
            self.csrf.process_request(request)
        content = _filled(stored, request)
        if content is stored:
            return response
        response.content = content
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(content))
        return self.csrf.process_response(request, response) if needs_token else response


def _headers_of(entry: dict) -> HttpResponse:
    response = HttpResponse(status=entry["status"])
    for name, value in entry["headers"].items():
        response[name] = value
    return response


def _render_lock_key(key: str, state: dict) -> str:
    return f"{key}:rendering:{state['generation']}"


def _rendered_by_another(request: HttpRequest, key: str, state: dict) -> dict | None:
    """The page another request is rendering under `state`, once stored; None: render it here.

    The first request to miss a page takes a short lock in the shared cache
    and renders it; others missing the same page meanwhile wait for it (up to
    `KIJI_PAGE_CACHE_RENDER_WAIT` seconds) instead of each rendering the page
    again. A waiting request serves the stored page only while its generation
    is still the current one, so never a page from before a committed change;
    it renders for itself when the generation changes, when the lock goes
    without a page being stored (an error, a response that may not be stored)
    or when the wait is over.
    """
    wait = settings.KIJI_PAGE_CACHE_RENDER_WAIT
    if wait <= 0:
        return None
    lock = _render_lock_key(key, state)
    # The lock outlives no render by much: the holder deletes it when done.
    if cache.add(lock, 1, timeout=max(1, int(wait * 5))):
        request.kiji_page_cache_lock = lock
        return None
    deadline = time.monotonic() + wait
    pause = 0.002
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
        found = cache.get_many([STATE_KEY, key, lock])
        current = found.get(STATE_KEY)
        if not _is_current(current) or current["generation"] != state["generation"]:
            return None
        entry = found.get(key)
        if entry is not None and entry.get("generation") == state["generation"]:
            return entry
        if lock not in found:
            return None
    return None


def cached_page(view):
    """Mark `view` as a reader page that `PageCacheMiddleware` may store (see module doc)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        miss = getattr(request, "kiji_page_cache_miss", None)
        if miss is None:
            response = view(request, *args, **kwargs)
            # Kept out of caches in front of the site too, whether or not this one
            # is on: the page may hold the visitor's own comments or their email
            # in the form.
            if request.method in ("GET", "HEAD") and is_personal(request):
                patch_cache_control(response, private=True)
            return response
        state, key = miss
        state, storable = _committed(_valid(state))
        if not storable:
            return view(request, *args, **kwargs)
        request.kiji_page_cache_fill = state
        entry = _rendered_by_another(request, key, state)
        if entry is not None:
            request.kiji_page_cache_fill = None
            request.kiji_page_cache_waited = True
            local_pages.put(key, entry)
            response = _headers_of(entry)
            response.content = entry["content"]
            return response
        # Read last before the view reads anything (see `remembered_since`).
        request.kiji_page_cache_parts = cache.get(PARTS_KEY)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.has_header("ETag"):
            # A validator for pages whose view set none: the page changes only
            # with the generation, so a client holding it gets a 304 until then.
            # No Last-Modified: two generations made within one second would
            # share it, and a client sending only If-Modified-Since would keep
            # the older page.
            response["ETag"] = f'W/"{state["generation"]}-{key[-12:]}"'
        return response

    wrapper.kiji_page_cache = True
    return wrapper


def cache_reader_pages(patterns: list, *, except_names: frozenset[str] | set[str] = frozenset()):
    """`patterns` with each view wrapped in `cached_page`, but those named in `except_names`.

    The project's URLconf wraps the reader pages of an app this way, so the
    app itself need not know there is a page cache.
    """
    wrapped = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name not in except_names:
            pattern = URLPattern(
                pattern.pattern, cached_page(pattern.callback), pattern.default_args, pattern.name
            )
        wrapped.append(pattern)
    return wrapped


def csrf_placeholder(request: HttpRequest) -> dict:
    """Context processor: a placeholder CSRF token while a page renders for the cache."""
    if getattr(request, "kiji_page_cache_fill", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}
