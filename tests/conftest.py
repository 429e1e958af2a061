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


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    """Every test stores uploaded files in its own temporary folders, never in the checkout."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.KIJI_MEDIA_PRIVATE_ROOT = tmp_path / "media-private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "media.storage.PrivateStorage",
            "OPTIONS": {"location": str(tmp_path / "media-private")},
        },
    }
    return tmp_path


@pytest.fixture
def author(db):
    return make_user("author", is_staff=True, is_superuser=True)
