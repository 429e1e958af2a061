"""Page cache and cached sessions only where every app process sees the same cache."""

import pytest

from tests.test_settings import run_manage

PRINT = (
    "from django.conf import settings; "
    "print(settings.KIJI_PAGE_CACHE_SECONDS, settings.SESSION_ENGINE.rsplit('.', 1)[1])"
)
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "s" * 60}


@pytest.mark.parametrize(
    ("cache_url", "expected"),
    [
        ("", "0 db"),
        ("locmemcache://", "0 db"),
        ("redis://127.0.0.1:6379/7", "3600 cached_db"),
        ("filecache:///tmp/kiji-cache", "3600 cached_db"),
    ],
)
def test_the_page_cache_and_cached_sessions_need_a_shared_cache(cache_url, expected):
    env = {**PRODUCTION, **({"CACHE_URL": cache_url} if cache_url else {})}

    result = run_manage(env, "shell", "--no-imports", "-c", PRINT)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
