"""Kiji settings: every value comes from the environment (or a `.env` file).

`.env.example` documents each variable. Defaults suit a local development
checkout; production (`DEBUG=false`) refuses to start without a real
`SECRET_KEY`.
"""

import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# CORE
# ------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

_INSECURE_KEY_PREFIX = "django-insecure-"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(see .env.example); only DEBUG=true may run without one."
        )
    SECRET_KEY = _INSECURE_KEY_PREFIX + "local-development-only"
elif not DEBUG and (SECRET_KEY.startswith(_INSECURE_KEY_PREFIX) or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for DEBUG=false: use at least 50 random characters, "
        'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".'
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    # django.contrib.admin, with the desk's AdminSite as admin.site (desk/sites.py).
    "desk.apps.DeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "legacy_japanese",
    "blog",
    "pagecache",
    "moderation",
    "comments",
    "trackbacks",
    "subscriptions",
    "media",
    "fediverse",
    "desk",
    "porting",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A post's URL asked for ActivityPub JSON is answered here, never by the page cache.
    "fediverse.middleware.ActivityPubMiddleware",
    # Cached reader pages are answered here, before the rest (pagecache/pages.py).
    "pagecache.pages.PageCacheMiddleware",
    # After the page cache: a hit translates nothing and shows no date.
    "blog.middleware.site_language_and_time_zone",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # 301s from a moved-in blog's old permalinks; looks only at 404s.
    "porting.middleware.OldPathRedirectMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blog.context_processors.site",
                "pagecache.pages.csrf_placeholder",
            ],
        },
    },
]

# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE transactions and
    # a busy timeout make concurrent writers wait their turn instead of failing
    # with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    )
# Each app process keeps its connection between requests (a new SQLite
# connection also starts with a cold page cache and runs the PRAGMAs again).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# CACHES
# ------------------------------------------------------------------------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://kiji")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same backend, with one Redis client per pool instead of one per call.
    CACHES["default"]["BACKEND"] = "pagecache.backends.RedisCache"
    # Redis is only an accelerator (pagecache/backends.py): one that does not answer
    # must not hold a request up. Seconds, overridable in the URL's query
    # (`redis://host:6379/0?socket_timeout=2`).
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 1.0,
        **CACHES["default"].get("OPTIONS", {}),
    }

# EMAIL
# ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kiji@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# TASKS (django-tasks: the one queue for mail and network work)
# ------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

# AUTH
# ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# django-axes first: it refuses logins from an address that failed too often.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# I18N
# ------------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tokyo")
USE_I18N = True
USE_TZ = True

# STATIC
# ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed names need `collectstatic` to have run; on by default in production.
STORAGES = {
    # Uploaded media: the local file system (MEDIA_ROOT) or S3-compatible object
    # storage (MEDIA_STORAGE=s3); see "KIJI: media" below.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Originals of uploaded images as received (with their metadata): never served.
    "private": {"BACKEND": "media.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATICFILES_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# SECURITY (secure by default whenever DEBUG is off)
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_HTTPS_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# KIJI: the blog itself
# ------------------------------------------------------------------------------
KIJI_SITE_TITLE = env.str("SITE_TITLE", default="Kiji")
KIJI_SITE_DESCRIPTION = env.str(
    "SITE_DESCRIPTION", default="Long posts and the conversation under them."
)
KIJI_SITE_AUTHOR = env.str("SITE_AUTHOR", default="Kiji author")
# Absolute base URL used where no request is at hand (emails, pings sent).
KIJI_SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
KIJI_POSTS_PER_PAGE = env.int("POSTS_PER_PAGE", default=10)
# The post page: blog/post_detail.html with what the discussion apps add to its head.
KIJI_POST_PAGE_TEMPLATE = "post_page.html"
# The conversation under a post, rendered apart from the rest of its page ("": none).
KIJI_POST_DISCUSSION_TEMPLATE = "post_discussion.html"
KIJI_FEED_ITEMS = env.int("FEED_ITEMS", default=20)
# Comments and pings close this many days after a post is published (0: never).
KIJI_CLOSE_DISCUSSION_AFTER_DAYS = env.int("CLOSE_DISCUSSION_AFTER_DAYS", default=0)

# KIJI: moderation (spam checks, flood control, notification links: every item readers send)
# ------------------------------------------------------------------------------
KIJI_SPAM_CHECKS = env.list(
    "SPAM_CHECKS",
    default=[
        "moderation.spam.BlocklistCheck",
        "moderation.spam.HoneypotCheck",
        "moderation.spam.FormTimingCheck",
        "moderation.spam.LinkCountCheck",
        "comments.spam_checks.KnownCommenterCheck",
    ],
)
KIJI_SPAM_BLOCKLIST_WORDS = env.list("SPAM_BLOCKLIST_WORDS", default=[])
# Addresses or networks (CIDR).
KIJI_SPAM_BLOCKLIST_IPS = env.list("SPAM_BLOCKLIST_IPS", default=[])
# Whole addresses or "@domain".
KIJI_SPAM_BLOCKLIST_EMAILS = env.list("SPAM_BLOCKLIST_EMAILS", default=[])
# More links than this holds an item for review (not spam).
KIJI_SPAM_MAX_LINKS = env.int("SPAM_MAX_LINKS", default=2)
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR).
KIJI_TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# How long the approve / spam links in moderation emails work.
KIJI_MODERATION_LINK_MAX_AGE = env.int("MODERATION_LINK_MAX_AGE", default=7 * 24 * 3600)
# Where moderation emails go when the post's author has no email address.
KIJI_MODERATION_EMAIL = env.str("MODERATION_EMAIL", default="")

# KIJI: comments
# ------------------------------------------------------------------------------
KIJI_COMMENTS_MAX_LENGTH = env.int("COMMENTS_MAX_LENGTH", default=5000)
# Seconds a person needs at least between seeing the form and sending it.
KIJI_COMMENTS_MIN_FORM_SECONDS = env.int("COMMENTS_MIN_FORM_SECONDS", default=3)
# Approve a comment at once when its email already has an approved comment.
KIJI_COMMENTS_AUTO_APPROVE_KNOWN = env.bool("COMMENTS_AUTO_APPROVE_KNOWN", default=False)
# Offer commenters one email when their comment is approved.
KIJI_COMMENTS_NOTIFY_ON_APPROVAL = env.bool("COMMENTS_NOTIFY_ON_APPROVAL", default=False)
# Comments accepted per IP address per minute (0: no limit).
KIJI_COMMENTS_PER_MINUTE = env.int("COMMENTS_PER_MINUTE", default=5)
KIJI_COMMENTS_REMEMBER_DAYS = env.int("COMMENTS_REMEMBER_DAYS", default=365)
# Offer "email me when someone replies" and "... comments on this post" (double opt-in).
KIJI_COMMENTS_SUBSCRIPTIONS = env.bool("COMMENTS_SUBSCRIPTIONS", default=True)
# How deep threads go (1: no replies under replies... 3: a reply to a reply to a comment).
KIJI_COMMENTS_THREAD_DEPTH = env.int("COMMENTS_THREAD_DEPTH", default=3)

# KIJI: subscriptions (mail on replies and new comments, double opt-in)
# ------------------------------------------------------------------------------
# Seconds a confirmation link works; `manage.py purge_subscriptions` deletes
# subscriptions still unconfirmed after that. Unsubscribe links never expire.
KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE = env.int("SUBSCRIPTION_CONFIRM_MAX_AGE", default=3 * 24 * 3600)

# KIJI: fediverse (the blog as an ActivityPub actor: followers, replies, publishing)
# ------------------------------------------------------------------------------
KIJI_FEDIVERSE_ENABLED = env.bool("FEDIVERSE", default=False)
# The blog's handle is @<username>@<host of SITE_URL>.
KIJI_FEDIVERSE_USERNAME = env.str("FEDIVERSE_USERNAME", default="blog")
# Hold new followers until the author accepts them in the admin.
KIJI_FEDIVERSE_APPROVE_FOLLOWERS = env.bool("FEDIVERSE_APPROVE_FOLLOWERS", default=False)
KIJI_FEDIVERSE_MAX_BODY_BYTES = env.int("FEDIVERSE_MAX_BODY_BYTES", default=256 * 1024)
# How far a signed request's Date may be from now, in seconds.
KIJI_FEDIVERSE_DATE_WINDOW_SECONDS = env.int("FEDIVERSE_DATE_WINDOW_SECONDS", default=300)
KIJI_FEDIVERSE_DELIVERY_MAX_ATTEMPTS = env.int("FEDIVERSE_DELIVERY_MAX_ATTEMPTS", default=8)
# First retry delay in seconds; each further retry waits twice as long.
KIJI_FEDIVERSE_DELIVERY_RETRY_SECONDS = env.int("FEDIVERSE_DELIVERY_RETRY_SECONDS", default=60)
# An instance failing for longer than this gets nothing until it answers again.
KIJI_FEDIVERSE_SKIP_GONE_AFTER_SECONDS = env.int(
    "FEDIVERSE_SKIP_GONE_AFTER_SECONDS", default=3 * 24 * 3600
)
# A PEM file with the actor's private key; empty: a key kept in the database.
KIJI_FEDIVERSE_PRIVATE_KEY_FILE = env.str("FEDIVERSE_PRIVATE_KEY_FILE", default="")
# An approved fediverse reply whose text is edited goes back to moderation.
KIJI_FEDIVERSE_REAPPROVE_EDITS = env.bool("FEDIVERSE_REAPPROVE_EDITS", default=True)
# Replies accepted per minute from one actor, and from one instance (0: no limit).
KIJI_FEDIVERSE_REPLIES_PER_ACTOR_PER_MINUTE = env.int(
    "FEDIVERSE_REPLIES_PER_ACTOR_PER_MINUTE", default=5
)
KIJI_FEDIVERSE_REPLIES_PER_INSTANCE_PER_MINUTE = env.int(
    "FEDIVERSE_REPLIES_PER_INSTANCE_PER_MINUTE", default=30
)
# How long remote actors' public keys are kept before they are fetched again.
KIJI_FEDIVERSE_KEY_CACHE_SECONDS = env.int("FEDIVERSE_KEY_CACHE_SECONDS", default=24 * 3600)
# The actor's picture (an absolute URL), shown as the blog's avatar; empty: none.
KIJI_FEDIVERSE_ICON_URL = env.str("FEDIVERSE_ICON_URL", default="")
# Posts per page of the outbox.
KIJI_FEDIVERSE_OUTBOX_PAGE_SIZE = env.int("FEDIVERSE_OUTBOX_PAGE_SIZE", default=20)
# Fediverse commenters' pictures beside their replies: "proxy" (fetched once in the
# background, made anew as a small square without metadata, served from this site),
# "none" (never fetched nor shown), "hotlink" (readers' browsers load them from the
# commenter's server, which then sees who reads the page).
KIJI_FEDIVERSE_AVATARS = env.str("FEDIVERSE_AVATARS", default="proxy")
if KIJI_FEDIVERSE_AVATARS not in ("proxy", "none", "hotlink"):
    raise ImproperlyConfigured('FEDIVERSE_AVATARS must be "proxy", "none" or "hotlink".')
# The most an avatar may weigh when fetched (bytes), and the side of the square served.
KIJI_FEDIVERSE_AVATAR_MAX_BYTES = env.int("FEDIVERSE_AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
KIJI_FEDIVERSE_AVATAR_SIZE = env.int("FEDIVERSE_AVATAR_SIZE", default=96)

# KIJI: trackbacks (TrackBack, Pingback and Webmention, received and sent)
# ------------------------------------------------------------------------------
# Send pings to the pages a published post links to and to its listed TrackBack URLs.
KIJI_TRACKBACKS_SEND_PINGS = env.bool("TRACKBACKS_SEND_PINGS", default=True)
KIJI_TRACKBACKS_SEND_MAX_ATTEMPTS = env.int("TRACKBACKS_SEND_MAX_ATTEMPTS", default=4)
# First retry delay in seconds; each further retry waits four times longer.
KIJI_TRACKBACKS_SEND_RETRY_DELAY = env.int("TRACKBACKS_SEND_RETRY_DELAY", default=600)
# The outgoing fetcher (discovery, sending, source verification).
KIJI_TRACKBACKS_FETCH_TIMEOUT = env.float("TRACKBACKS_FETCH_TIMEOUT", default=10.0)
KIJI_TRACKBACKS_FETCH_MAX_BYTES = env.int("TRACKBACKS_FETCH_MAX_BYTES", default=1_000_000)
KIJI_TRACKBACKS_FETCH_MAX_REDIRECTS = env.int("TRACKBACKS_FETCH_MAX_REDIRECTS", default=5)
KIJI_TRACKBACKS_FETCH_ALLOWED_PORTS = env.list(
    "TRACKBACKS_FETCH_ALLOWED_PORTS", cast=int, default=[80, 443]
)
# Dangerous: lets strangers' URLs reach this machine. Only for tests on 127.0.0.1.
KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = env.bool("TRACKBACKS_FETCH_ALLOW_LOOPBACK", default=False)
# Receiving: the largest ping body accepted, in bytes.
KIJI_TRACKBACKS_MAX_BODY_BYTES = env.int("TRACKBACKS_MAX_BODY_BYTES", default=65536)
# Throttling (Movable Type's defaults): pings per address per minute, per post per hour and day.
KIJI_TRACKBACKS_PER_IP_PER_MINUTE = env.int("TRACKBACKS_PER_IP_PER_MINUTE", default=3)
KIJI_TRACKBACKS_PER_POST_PER_HOUR = env.int("TRACKBACKS_PER_POST_PER_HOUR", default=10)
KIJI_TRACKBACKS_PER_POST_PER_DAY = env.int("TRACKBACKS_PER_POST_PER_DAY", default=50)
# Fetch each ping's source in the background and check that it links to the post.
KIJI_TRACKBACKS_VERIFY_SOURCE = env.bool("TRACKBACKS_VERIFY_SOURCE", default=True)
# What a ping whose source does not link to the post becomes: "spam" or "hold" (pending).
KIJI_TRACKBACKS_UNVERIFIED = env.str("TRACKBACKS_UNVERIFIED", default="spam")
if KIJI_TRACKBACKS_UNVERIFIED not in ("spam", "hold"):
    raise ImproperlyConfigured('TRACKBACKS_UNVERIFIED must be "spam" or "hold".')
# Post pages announce their Pingback and Webmention endpoints in HTTP headers.
MIDDLEWARE += ["trackbacks.middleware.linkback_headers"]

# KIJI: porting (import_mt, import_wxr, export_mt)
# ------------------------------------------------------------------------------
# Path of a post on the old blog, for 301 redirects from entries that carry a
# BASENAME but no UNIQUE URL (cocolog: /blog/{year}/{month}/{basename}.html).
KIJI_IMPORT_OLD_PERMALINK = env.str(
    "IMPORT_OLD_PERMALINK", default="/{year}/{month}/{basename}.html"
)
# Where uploads wait for their import task (deleted once imported), and their size limit.
KIJI_IMPORT_UPLOAD_DIR = env.path(
    "IMPORT_UPLOAD_DIR", default=Path(tempfile.gettempdir()) / "kiji-imports"
)
KIJI_IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=200)

# KIJI: speed and production (page cache, sessions, comment pages)
# ------------------------------------------------------------------------------
# A cache in each process's memory is not seen by the other app processes
# (gunicorn workers, other servers): with it, pages are not cached and
# sessions stay in the database alone. With Redis (CACHE_URL) both use it.
_SHARED_CACHE = CACHES["default"]["BACKEND"] not in {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}
# Seconds a rendered page stays in the cache (0: no page cache). Changes make
# pages fresh at once whatever this is (see pagecache/pages.py).
KIJI_PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=3600 if _SHARED_CACHE else 0)
# Each app process also keeps copies of the pages it served last, up to this
# many KiB, so a hit fetches only the small shared generation (0: no copies),
# and as much again of the markup above.
KIJI_PAGE_CACHE_LOCAL_KB = env.int("PAGE_CACHE_LOCAL_KB", default=32 * 1024)
# With Redis, each process subscribes to the announcements of new page
# generations, so a hit on its own copy needs no round trip (pagecache/watch.py).
# It pings every HEARTBEAT seconds and trusts what it heard only while an answer
# came within BOUND seconds: the longest a silently dead connection goes unnoticed.
KIJI_PAGE_CACHE_WATCH = env.bool("PAGE_CACHE_WATCH", default=True)
KIJI_PAGE_CACHE_WATCH_HEARTBEAT = env.float("PAGE_CACHE_WATCH_HEARTBEAT", default=0.25)
KIJI_PAGE_CACHE_WATCH_BOUND = env.float("PAGE_CACHE_WATCH_BOUND", default=1.0)
# Seconds a request missing a page waits for another request already rendering
# it, rather than rendering it too (0: every miss renders).
KIJI_PAGE_CACHE_RENDER_WAIT = env.float("PAGE_CACHE_RENDER_WAIT", default=2.0)
# Sessions in the shared cache and the database, so a Redis restart logs no one out.
SESSION_ENGINE = env.str(
    "SESSION_ENGINE",
    default=f"django.contrib.sessions.backends.{'cached_db' if _SHARED_CACHE else 'db'}",
)
# Seconds the markup of each comment and ping, and of a post's comment and
# TrackBack sections, stays in the cache; it is kept under a digest of what it
# shows, so an edit never shows stale (0: not kept). See pagecache/fragments.py.
# Off with DEBUG, where templates are edited while the server runs.
KIJI_ITEM_CACHE_SECONDS = env.int("ITEM_CACHE_SECONDS", default=0 if DEBUG else 24 * 3600)
# Approved comments per page of a post; a comment's permalink finds its page.
KIJI_COMMENTS_PER_PAGE = env.int("COMMENTS_PER_PAGE", default=100)
# A queued email that fails is tried again after this many seconds, doubled
# each time, up to this many attempts; then it stays in the queue as failed.
KIJI_TASK_RETRY_SECONDS = env.int("TASK_RETRY_SECONDS", default=60)
KIJI_TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=5)

# KIJI: media (uploads: media/)
# ------------------------------------------------------------------------------
# Where readers' files live and their address. With MEDIA_STORAGE=s3 they go to
# S3-compatible object storage through django-storages (pip install "kiji[s3]");
# set MEDIA_URL to the bucket's public address, or AWS_S3_CUSTOM_DOMAIN.
# (Not BASE_DIR / "media": that is the media app's own package.)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
# Originals as uploaded, with their metadata, kept for the author: never under MEDIA_URL.
KIJI_MEDIA_PRIVATE_ROOT = env.path("MEDIA_PRIVATE_ROOT", default=BASE_DIR / "var" / "private")
if Path(KIJI_MEDIA_PRIVATE_ROOT).resolve().is_relative_to(Path(MEDIA_ROOT).resolve()):
    raise ImproperlyConfigured(
        "MEDIA_PRIVATE_ROOT must not be inside MEDIA_ROOT: it is never served."
    )
STORAGES["private"]["OPTIONS"] = {"location": KIJI_MEDIA_PRIVATE_ROOT}
KIJI_MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
if KIJI_MEDIA_STORAGE == "s3":
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default=None)
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_LOCATION = env.str("AWS_LOCATION", default="")
    # Public files at stable addresses; never replace a file of the same name.
    AWS_QUERYSTRING_AUTH = False
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=31536000, immutable"}
    if AWS_S3_CUSTOM_DOMAIN:
        MEDIA_URL = f"https://{AWS_S3_CUSTOM_DOMAIN}/"
elif KIJI_MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured('MEDIA_STORAGE must be "filesystem" or "s3".')
# The app serves MEDIA_URL itself when no proxy does (`make run`, `make serve`);
# behind nginx or Caddy set SERVE_MEDIA=false and let the proxy serve MEDIA_ROOT.
KIJI_SERVE_MEDIA = env.bool("SERVE_MEDIA", default=KIJI_MEDIA_STORAGE == "filesystem")
# Refused beyond this size, and beyond this many pixels (decompression bombs).
KIJI_MEDIA_MAX_UPLOAD_BYTES = env.int("MEDIA_MAX_UPLOAD_MB", default=20) * 1024 * 1024
# The largest zip of an old blog's files `import_mt --media-from` unpacks (in memory, file by file).
KIJI_IMPORT_MEDIA_MAX_BYTES = env.int("IMPORT_MEDIA_MAX_MB", default=4096) * 1024 * 1024
KIJI_MEDIA_MAX_PIXELS = env.int("MEDIA_MAX_PIXELS", default=50_000_000)
# Widths of the resized copies made of each image (never wider than the image).
KIJI_MEDIA_RENDITION_WIDTHS = env.list(
    "MEDIA_RENDITION_WIDTHS", cast=int, default=[640, 1280, 1920]
)
# SVG can carry script: refused unless allowed, and then only ever served as a download.
KIJI_MEDIA_ALLOW_SVG = env.bool("MEDIA_ALLOW_SVG", default=False)
# Keep each upload as received (with its metadata) in the private storage, for the author.
KIJI_MEDIA_KEEP_ORIGINALS = env.bool("MEDIA_KEEP_ORIGINALS", default=True)
# Images in pages come from this blog and from its media host, when that is elsewhere.
_MEDIA_HOST = MEDIA_URL.split("/", 3)[2] if "://" in MEDIA_URL else ""
_MEDIA_IMG_SRC = [MEDIA_URL.split("://")[0] + "://" + _MEDIA_HOST] if _MEDIA_HOST else []

# KIJI: trust (security headers, login throttling, request limits, privacy)
# ------------------------------------------------------------------------------
# Content-Security-Policy (django-csp): no inline script or style anywhere, no
# plugins, no framing, forms post only here. Post bodies may show images from
# other sites, so images also come from CSP_IMG_SRC (default: any https site).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, *_MEDIA_IMG_SRC, *env.list("CSP_IMG_SRC", default=["https:"])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Admin login throttling (django-axes). Failures are counted per client address
# (found as moderation.flood.client_ip finds it, honouring TRUSTED_PROXIES), not
# per username: a stranger cannot lock the author out of their own admin.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "moderation.flood.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.views.login_locked_out"
# Last, as django-axes requires: it answers locked-out logins.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
# Successful logins are not logged: no IP addresses kept without need.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Request size limits: a bigger body is refused before it is read (413 page).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
# Days the IP addresses of comments (and failed logins) are kept; then
# `manage.py erase_old_ips` (run daily) erases them. 0 keeps them forever.
KIJI_IP_RETENTION_DAYS = env.int("IP_RETENTION_DAYS", default=90)
