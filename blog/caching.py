"""How blog keeps what it computes for many pages: as a cache app says, or not at all.

Blog imports no cache app. An app that keeps things between requests (the
page cache) installs its way in its `ready()`; until then, and without one,
everything is computed every time.

- `remember(name, compute)`: the value of `compute()`, kept under `name` for
  as long as nothing readers see has changed but comments and pings (for
  parts that show none).
- `markup_version()`: a token that changes with the code that renders markup
  (templates, settings, translations), to put in the names of kept markup.
- `remember_page_markup(request, name, render)`: markup of `request`'s page
  that shows no comment or ping (all of a post page but its conversation),
  kept as `remember` keeps values, but only while the page is rendered for
  every reader alike (the page cache will store it); rendered otherwise.
"""

from collections.abc import Callable
from typing import TypeVar

from django.http import HttpRequest

T = TypeVar("T")


def _compute(name: str, compute: Callable[[], T]) -> T:
    return compute()


def _no_version() -> str:
    return ""


def _render(request: HttpRequest, name: str, render: Callable[[], str]) -> str:
    return render()


_remember: Callable = _compute
_markup_version: Callable[[], str] = _no_version
_remember_page_markup: Callable = _render


def install(
    *, remember: Callable, markup_version: Callable[[], str], remember_page_markup: Callable
) -> None:
    global _remember, _markup_version, _remember_page_markup
    _remember, _markup_version = remember, markup_version
    _remember_page_markup = remember_page_markup


def remember(name: str, compute: Callable[[], T]) -> T:
    return _remember(name, compute)


def markup_version() -> str:
    return _markup_version()


def remember_page_markup(request: HttpRequest, name: str, render: Callable[[], str]) -> str:
    return _remember_page_markup(request, name, render)
