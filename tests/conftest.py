"""Shared fixtures; test settings live in `tests/settings.py`."""

import pytest

from tests.factories import make_category, make_post, make_user  # noqa: F401


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.LANGUAGE_CODE = "en"
    from django.core.cache import cache

    from pagecache.fragments import local_markup
    from pagecache.pages import local_pages

    cache.clear()
    local_pages.clear()
    local_markup.clear()


@pytest.fixture
def author(db):
    return make_user("author", is_staff=True, is_superuser=True)
