"""The markup of each comment and ping, rendered once for what it shows.

A long thread costs most of its page's render time in the template of its
items (a hundred comments, each with its author, link and dates), while the
items themselves rarely change. Each item's markup is kept in the shared
cache under a digest of everything it shows, of its template's source and of
the settings and language that shape it; a page fetches a thread's items in
one round trip and renders only those it does not find. Nothing has to be
invalidated: an edited or newly approved item has a new digest, new code
(templates, translations, Django's formats) makes new keys, and an entry no
page asks for any more expires after `KIJI_ITEM_CACHE_SECONDS`.

This is what keeps a page cheap to render again after the whole-page cache
is made fresh (pagecache/pages.py), which happens on every change anywhere.

`cached_fragment` keeps a larger part the same way (a post's whole comment
section, its TrackBack section), under a version its caller reads with the
post: its `discussion_revision` or `pings_revision`, which every change to the
comments or to the pings readers see on it raises
(`Post.objects.raise_discussion_revision`). A fragment is rendered with the
page cache's placeholders for the visitor's own values (CSRF token, form
token) and gets them filled in when used. Both kinds of markup are also kept
in each process (`LocalPages`): a key names exactly one rendering, so a
local copy never needs checking against the shared cache.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.template import engines
from django.template.loader import get_template
from django.template.utils import get_app_template_dirs
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, to_locale
from django.utils.translation.trans_real import all_locale_paths

from pagecache.pages import (
    LocalPages,
    remembered_since,
    settings_version,
    with_visitor_values,
)

# Markup kept in this process, by key (see the module doc).
local_markup = LocalPages(settings.KIJI_PAGE_CACHE_LOCAL_KB * 1024)


def render_each(
    template_name: str, name: str, items: Sequence[Any], shows: Callable[[Any], tuple]
) -> list[SafeString]:
    """Each of `items` rendered with `template_name` (as `name` in its context).

    `shows(item)` must return every value of the item that the template
    displays; it decides whether a stored rendering is still right.
    """
    if not items:
        return []
    template = get_template(template_name)
    seconds = settings.KIJI_ITEM_CACHE_SECONDS
    if seconds <= 0:
        return [mark_safe(template.render({name: item})) for item in items]
    prefix = f"kiji:item:{markup_version()}:{template_name}:"
    keys = [prefix + _digest(shows(item)) for item in items]
    found = {key: entry["content"] for key in keys if (entry := local_markup.get(key))}
    if len(found) < len(keys):
        found |= cache.get_many([key for key in keys if key not in found])
    rendered = []
    missing = {}
    for key, item in zip(keys, items, strict=True):
        markup = found.get(key)
        if markup is None:
            markup = missing[key] = template.render({name: item})
        local_markup.put(key, {"content": markup})
        rendered.append(mark_safe(markup))
    if missing:
        cache.set_many(missing, timeout=seconds)
    return rendered


def cached_fragment(
    request: HttpRequest, name: str, version: tuple, render: Callable[[], str]
) -> SafeString:
    """The markup `render()` makes, kept under `name` and `version`, with this visitor's values.

    `version` must hold every value the markup depends on besides the code,
    the settings and the language. `render()` must put the page cache's
    placeholders where the visitor's own values go (`pagecache.CSRF_PLACEHOLDER`,
    values registered with `pagecache.register_fresh_value`).
    """
    return mark_safe(with_visitor_values(cached_markup(name, version, render), request))


def cached_markup(name: str, version: tuple, render: Callable[[], str]) -> SafeString:
    """The markup `render()` makes, kept under `name` and `version`, placeholders left in.

    For a part of a larger fragment that changes less often than the rest of
    it (a post's comment form, say, beside its comments): the larger fragment
    is then rendered again without rendering this part. `version` is as for
    `cached_fragment`.
    """
    seconds = settings.KIJI_ITEM_CACHE_SECONDS
    if seconds <= 0:
        return mark_safe(render())
    key = f"kiji:fragment:{markup_version()}:{name}:{_digest(version)}"
    entry = local_markup.get(key)
    if entry is None:
        markup = cache.get(key)
        if markup is None:
            markup = render()
            cache.set(key, markup, timeout=seconds)
        entry = {"content": markup}
        local_markup.put(key, entry)
    return mark_safe(entry["content"])


def remembered_page_markup(request: HttpRequest, name: str, render: Callable[[], str]) -> str:
    """`render()`, kept until something other than comments or pings changes, for pages all share.

    For the part of a page that shows no comment or ping (a post page around
    its conversation), so that the render after an approval renders only the
    conversation. Kept only while `request`'s page is rendered for the page
    cache: such a page is the same for every reader and has the cache's
    placeholders for the visitor's own values; any other (a preview, a visitor
    with messages or pending comments) is rendered as it is asked for.
    `name` must tell apart everything besides the language that the markup
    depends on (the page's address, say). The markup may be made from what
    the view read before (`remembered_since`).
    """
    return remembered_since(request, f"markup:{markup_version()}:{_digest((name,))}", render)


def _digest(values: tuple) -> str:
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


def markup_version() -> str:
    """What, besides the values shown, every kept rendering depends on."""
    language = get_language()
    static = getattr(staticfiles_storage, "manifest_hash", "")
    return (
        f"{settings_version()}:{_templates_version()}:{static}:"
        f"{language}:{_translations_version(language)}"
    )


@functools.cache
def _templates_version() -> str:
    """A digest of every template's source: changed templates render anew after a deploy."""
    digest = hashlib.blake2b(digest_size=6)
    folders = {Path(folder) for engine in engines.all() for folder in engine.template_dirs}
    folders |= {Path(folder) for folder in get_app_template_dirs("templates")}
    for folder in sorted(folders):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _translations_version(language: str) -> str:
    """A digest of Django's version and of every compiled catalogue for `language`.

    Item markup holds translated words and locale date formats: new catalogues
    or a new Django after a deploy must render it anew.
    """
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=6)
    folders = [*all_locale_paths(), *(Path(app.path) / "locale" for app in apps.get_app_configs())]
    for folder in sorted({Path(f) for f in folders}):
        catalogue = folder / to_locale(language) / "LC_MESSAGES" / "django.mo"
        if catalogue.exists():
            digest.update(catalogue.read_bytes())
    return digest.hexdigest()


@receiver(setting_changed)
def _code_changed(setting: str, value, **kwargs) -> None:
    if setting == "KIJI_PAGE_CACHE_LOCAL_KB":
        local_markup.clear()
        local_markup.max_bytes = value * 1024
    if setting in {"TEMPLATES", "INSTALLED_APPS"}:
        _templates_version.cache_clear()
    if setting in {"LOCALE_PATHS", "INSTALLED_APPS"}:
        _translations_version.cache_clear()
