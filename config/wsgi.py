"""WSGI entry point: `gunicorn config.wsgi`.

Django's handler, with page-cache hits held by this process answered first
(pagecache/wsgi.py).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from pagecache.wsgi import PageCacheHandler  # noqa: E402 (needs the apps loaded)

application = PageCacheHandler()
