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
is made fresh (blog/pagecache.py), which happens on every change anywhere.
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
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, to_locale
from django.utils.translation.trans_real import all_locale_paths

from blog.pagecache import settings_version


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
    language = get_language()
    prefix = (
        f"kiji:item:{settings_version()}:{_source_version(template_name)}:"
        f"{language}:{_translations_version(language)}:"
    )
    keys = [prefix + _digest(shows(item)) for item in items]
    found = cache.get_many(keys)
    rendered = []
    missing = {}
    for key, item in zip(keys, items, strict=True):
        markup = found.get(key)
        if markup is None:
            markup = missing[key] = template.render({name: item})
        rendered.append(mark_safe(markup))
    if missing:
        cache.set_many(missing, timeout=seconds)
    return rendered


def _digest(values: tuple) -> str:
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


@functools.cache
def _source_version(template_name: str) -> str:
    """A digest of the template's source: a changed template renders anew after a deploy."""
    source = get_template(template_name).template.source
    return hashlib.blake2b(source.encode(), digest_size=6).hexdigest()


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
def _templates_changed(setting: str, **kwargs) -> None:
    if setting == "TEMPLATES":
        _source_version.cache_clear()
    if setting in {"LOCALE_PATHS", "INSTALLED_APPS"}:
        _translations_version.cache_clear()
