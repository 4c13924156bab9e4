"""Rewire settings: one file, driven by environment variables.

Development defaults are safe (DEBUG off unless asked for, SQLite in the
project folder). With DEBUG off the app refuses to start without a real
SECRET_KEY and ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from core.middleware import add_static_security_headers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

_INSECURE_KEY_PREFIX = "django-insecure-"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

if DEBUG:
    SECRET_KEY = SECRET_KEY or _INSECURE_KEY_PREFIX + "rewire-development-only"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if not SECRET_KEY or SECRET_KEY.startswith(_INSECURE_KEY_PREFIX) or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a long random value (50+ characters) when DEBUG is off. "
            "For local development run with DEBUG=1 (make run does this)."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set (comma-separated) when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "markdownx",
    "axes",
    "post_office",
    "reversion",
    "reversion_compare",
    # Before articles: its load_articles command extends the articles' one to load the site's pages too.
    "pages",
    "articles",
    "comments",
    "moderation",
    "mail",
    "care",
    "search",
    "core",
]

MIDDLEWARE = [
    # Outermost: error pages made by the middleware below get the security headers too.
    "core.middleware.ErrorPageSecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses pages (HTML, feeds) after everything that writes their bodies, the page cache included (in
    # the views), so cached pages are compressed with this visitor's values in them. After WhiteNoise, which
    # serves static files already compressed. BREACH: the CSRF token is masked afresh on every response, and
    # GZipMiddleware adds a random-length gzip file name (0-99 bytes, "Heal the BREACH") to every response.
    # GZIP_PAGES=0 leaves compression to a proxy in front (docs/deploy.md), sparing the workers' CPU.
    *(["django.middleware.gzip.GZipMiddleware"] if env_bool("GZIP_PAGES", True) else []),
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "core.middleware.PrivateByDefaultMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a refused login into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL, or SQLite at SQLITE_PATH. Every SQLite database, however it is named, gets the
# options that let several workers share one file (WAL, immediate transactions, busy timeout, foreign keys).
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{quote(SQLITE_PATH)}",
        conn_max_age=CONN_MAX_AGE,
        # Off, Django's default: on PostgreSQL the check is one more round trip ("SELECT 1") before every page.
        # Without it, after a database restart each worker's first request fails once, then reconnects.
        conn_health_checks=env_bool("DATABASE_HEALTH_CHECKS"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
                # Freed space is overwritten with zeros: erased or withdrawn text leaves no copy in the file
                # (comments.moderation.forget_freed_pages empties the write-ahead log after such a change).
                "PRAGMA secure_delete=ON;"
            ),
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED", True):
    # Parameters bound by the server, and each statement prepared once per connection (psycopg's threshold):
    # PostgreSQL stops parsing and planning the same few statements on every page (docs/performance.md).
    # DATABASE_PREPARED=0 restores Django's default, e.g. behind a PgBouncer older than 1.21 in transaction mode.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
if env_bool("DATABASE_POOL") and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own connection pool (psycopg_pool), instead of one persistent connection per worker.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN", "1")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "4")),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared Redis when REDIS_URL is set, otherwise per-process memory. django-redis, not Django's RedisCache:
# Django's builds a new redis-py client (and its table of reply callbacks) for every cache call, which costs as much
# as the round trip itself; django-redis keeps one per process (hiredis parses the replies).
REDIS_CACHE_BACKEND = "django_redis.cache.RedisCache"
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": REDIS_CACHE_BACKEND, "LOCATION": os.environ["REDIS_URL"]}}
else:
    # Room for the stories' HTML fragments (~1-2 KB each, comments/templatetags/stories.py) besides whole pages:
    # the default 300 entries would be culled by a few pages of stories.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "rewire",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# AxesStandaloneBackend first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/moderation/"
LOGOUT_REDIRECT_URL = "/"

# Login throttling (django-axes), on every login form (/accounts/login/ and /admin/login/): failed
# attempts are counted in the database, so the limits hold across workers and hosts.
# Locked after AXES_FAILURE_LIMIT failures: one account from one network address, or one network address on
# any accounts. Never an account alone: then anyone who knows a moderator's username could lock them out.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Retrying during a lockout neither counts nor extends it, so "try again in N minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_CLIENT_IP_CALLABLE = "core.network.login_client_address"  # the address the flood limits use
# Keep as little as possible: no log of successful logins, no permanent log of failures. The counted
# attempts (address, username, browser) are deleted once older than the cool-off.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names in production; plain files while developing and testing.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Static files get the pages' security headers too (WhiteNoise answers before that middleware runs).
WHITENOISE_ADD_HEADERS_FUNCTION = add_static_security_headers
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Email. Every mail goes into the outbox (a table, written in the transaction of the change that causes
# it; django-post-office's models and admin) and is delivered after the commit, with retries
# (mail/outbox.py). EMAIL_BACKEND is the outbox; the environment variable EMAIL_BACKEND names the backend
# that really delivers: console by default, SMTP when EMAIL_HOST is set.
MAIL_DELIVERY_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_BACKEND = "mail.outbox.OutboxBackend"
# A failed delivery is tried again after MAIL_RETRY_SECONDS, then twice as long each time (at most 6 hours
# apart), until MAIL_MAX_TRIES attempts have failed: then the mail is marked failed (kept, with every error).
MAIL_MAX_TRIES = int(os.environ.get("MAIL_MAX_TRIES", "10"))
MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS", "60"))
# At most this many mails to one author's address per 24 hours, all kinds together (moderators' notices
# are not counted: they are bounded by MODERATOR_MAIL_INTERVAL). Past it a mail is skipped and logged.
# Addresses are compared in canonical form (core.hashing.canonical_email): `name+1@…` is `name@…`.
MAIL_PER_RECIPIENT_PER_DAY = int(os.environ.get("MAIL_PER_RECIPIENT_PER_DAY", "5"))
# Mail the author asks for herself (new private links, a copy of her link) is not counted above: each kind
# has this allowance per address per day, so mail others cause cannot stop her link reaching her.
MAIL_ASKED_FOR_PER_DAY = int(os.environ.get("MAIL_ASKED_FOR_PER_DAY", "24"))
# "Lost your private link?": requests per network address per hour (never per email address: a stranger
# could then use up hers), and at most one mail of new links per address per LINK_RECOVERY_INTERVAL seconds
# (later requests are answered together by the next one).
LINK_RECOVERY_LIMIT = int(os.environ.get("LINK_RECOVERY_LIMIT", "3"))
LINK_RECOVERY_INTERVAL = int(os.environ.get("LINK_RECOVERY_INTERVAL", "3600"))
# django-post-office: the outbox's models and admin. Delivery (with retries) is mail/outbox.py's.
POST_OFFICE = {"BACKENDS": {"default": MAIL_DELIVERY_BACKEND}, "LOG_LEVEL": 2}
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
# Neutral by default: the sender's name and the subjects of authors' mail say nothing about stories or abuse,
# since whoever reads her inbox may be the person she writes about. The body may say more.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Notifications <no-reply@rewire.example>")
AUTHOR_MAIL_SUBJECTS = {
    "link": os.environ.get("MAIL_SUBJECT_LINK", "Your link"),
    "update": os.environ.get("MAIL_SUBJECT_UPDATE", "An update"),
    "message": os.environ.get("MAIL_SUBJECT_MESSAGE", "A message for you"),
}
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MODERATOR_EMAILS = env_list("MODERATOR_EMAILS")

# The public address of the site, for links in emails, feeds and JSON-LD when no request is at hand.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Rewire"
# Where "Exit this page" goes: a neutral, everyday page that looks unremarkable on a shared screen or in
# the history. BBC Weather, as GOV.UK's "Exit this page" uses: fast, free of sign-in, and plausible anywhere.
EXIT_URL = os.environ.get("EXIT_URL", "https://www.bbc.co.uk/weather")
# The publisher: who runs the site, named on About, Contact and the privacy notice (as data controller).
# `manage.py check --deploy` refuses a production site without the operator and the contact address
# (pages/checks.py). CONTACT_EMAIL is the contact address's earlier name.
SITE_OPERATOR = os.environ.get("SITE_OPERATOR", "").strip()
SITE_CONTACT_EMAIL = (os.environ.get("SITE_CONTACT_EMAIL") or os.environ.get("CONTACT_EMAIL", "")).strip()
SITE_POSTAL_ADDRESS = os.environ.get("SITE_POSTAL_ADDRESS", "").strip()
SITE_REGISTRATION = os.environ.get("SITE_REGISTRATION", "").strip()  # e.g. "Registered charity no. 1234567"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.markdown.render_article_markdown"
MARKDOWNX_UPLOAD_MAX_SIZE = 2 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ("image/jpeg", "image/png")
# Uploaded images are resized in memory (4 bytes a pixel): larger ones are refused (articles/forms.py).
MARKDOWN_IMAGE_MAX_PIXELS = 40_000_000

# Security headers. CSP has no 'unsafe-inline': templates carry no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
# Sessions: Django's cached_db engine (write-through: the database keeps them, a cache serves the reads). The
# cache must be shared by every server process, or a session ended in one worker (logout) would live on in
# another's memory: Redis when REDIS_URL is set; with SQLite, which is one host by nature, Django's file cache
# in SESSION_CACHE_DIR; otherwise (PostgreSQL on hosts that share no cache) the database on every request.
if os.environ.get("REDIS_URL"):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_CACHE_ALIAS = "sessions"
    CACHES["sessions"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("SESSION_CACHE_DIR", str(BASE_DIR / "var" / "sessions")),
        # Every write lists the folder to cull it: keep it small (a culled session is read from the database).
        "OPTIONS": {"MAX_ENTRIES": 1000},
    }
else:
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Number of trusted reverse proxies in front of the app (0: use REMOTE_ADDR). Flood limits need the real address.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if PROXY_COUNT > 0:
        # Only a proxy that overwrites X-Forwarded-Proto makes it true; without one any visitor could send it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (4xx: a bad Host, a CSRF failure, too many fields) is one line; a 5xx keeps its traceback.
    "formatters": {"one_line_4xx": {"()": "core.logs.OneLineClientErrorFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "one_line_4xx"},
        "none": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Through the root's handler alone: Django's own (console while DEBUG is on, mail to ADMINS, none set)
        # would print each record a second time, traceback and all.
        "django": {"level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        # post_office's traceback of a failed send can name the recipient (SMTPRecipientsRefused): silenced (a
        # handler of ours, so it adds none of its own). mail.outbox logs each failure itself (mail number,
        # story, time, error type) and the outbox keeps the error.
        "post_office": {"handlers": ["none"], "level": "CRITICAL", "propagate": False},
    },
}

# Stories (comments): limits and moderation behaviour.
STORY_MAX_LENGTH = 5000
STORY_NAME_MAX_LENGTH = 60
STORY_MIN_SECONDS = int(os.environ.get("STORY_MIN_SECONDS", "4"))  # posted faster than a person types: refused
STORY_FORM_MAX_AGE = 60 * 60 * 12  # seconds; older forms are stale
STORY_FLOOD_LIMIT = int(os.environ.get("STORY_FLOOD_LIMIT", "5"))  # stories per network address...
STORY_FLOOD_WINDOW = int(os.environ.get("STORY_FLOOD_WINDOW", "600"))  # ...per this many seconds
STORIES_PER_PAGE = 20
REPORT_THRESHOLD = int(os.environ.get("REPORT_THRESHOLD", "3"))  # reports that hide a story until reviewed
REPORT_FLOOD_LIMIT = 10  # reports per network address per hour
MODERATOR_MAIL_INTERVAL = int(os.environ.get("MODERATOR_MAIL_INTERVAL", "300"))  # at most one mail per...
# Public pages are cached whole for anonymous readers and invalidated by version on every change;
# this is only a ceiling on how long an unused entry is kept.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "3600"))
# How long a shared HTTP cache in front of the site (nginx proxy_cache, a CDN) may keep a public page served
# to an anonymous visitor ("Cache-Control: public, max-age=N"). 0: every response is private. A story that is
# withdrawn or erased may stay visible there for that long (docs/deploy.md, "A shared cache in front").
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "0"))
# Flash messages live in a cookie, so a page with messages to show is recognised and never served from the cache.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
MESSAGE_COOKIE_NAME = "messages"
# The deployed code's version (e.g. the git commit): cached pages from another release are never served.
# Unset: a digest of the code's files, the same in every process running the same code (core/pagecache.py).
RELEASE = os.environ.get("RELEASE", "")
