"""Settings for the test run: the real `config.settings`, with test environment defaults.

The suite runs with production settings (DEBUG off). Only what needs a real
HTTPS front end or collected static files is relaxed, through the same
environment variables an operator would use.
"""

import os

# Production settings whatever the checkout's .env says: `make run` writes DEBUG=true there.
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "test-only-key-" + "k" * 50)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATICFILES_MANIFEST", "false")
os.environ.setdefault("TIME_ZONE", "Asia/Tokyo")
# One process: the local-memory cache is shared enough to run with the page cache on.
os.environ.setdefault("PAGE_CACHE_SECONDS", "3600")
os.environ.setdefault("SESSION_ENGINE", "django.contrib.sessions.backends.cached_db")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files come from the app folders (no collectstatic before tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# django-axes throttles every login made through a request; Client.login() has none.
AUTHENTICATION_BACKENDS = [
    "tests.auth.AxesWhenThereIsARequest",
    "django.contrib.auth.backends.ModelBackend",
]
