"""Settings for the Django signals tutorial.

Everything that differs between a laptop and a server is read from the
environment, so one module serves both. Development is the default: with no
variables set, `make run` gets DEBUG on and the embedded SQLite database.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG", default=True)


def required(name: str) -> str:
    """A variable production cannot run without: fail at start-up, by name."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DJANGO_DEBUG=0 (production mode). See README.md."
        )
    return value


if DEBUG:
    # Fine on a laptop only; production refuses to start without its own.
    SECRET_KEY = os.environ.get(
        "DJANGO_SECRET_KEY", "django-insecure-local-development-key-not-for-production"
    )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
else:
    SECRET_KEY = required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = [
        host.strip() for host in required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()
    ]

# Cookies JavaScript never needs to read, and no framing by other sites.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Behind TLS (DJANGO_SECURE_HTTPS=1): HTTPS only, cookies never sent in the
# clear, and HSTS. Off by default so production mode also works on a plain
# loopback address (benchmarks, the two-server test).
if not DEBUG and env_flag("DJANGO_SECURE_HTTPS", default=False):
    SECURE_SSL_REDIRECT = True
    # Load balancers probe over plain HTTP, inside the proxy: a redirect
    # would read as "not alive" and "not ready".
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # playground before lessons: its ready() connects the signal recorder
    # before anything (such as a lesson's include) imports its receivers.
    "playground",
    "lessons",
    # After playground, so the recorder's observer stays the first receiver
    # of every model signal (axes connects post_save for its own model).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # whitenoise's, which also caches the browser runtime's files for good.
    "tutorial.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tutorial.middleware.ExplainMethodNotAllowed",
    "django_htmx.middleware.HtmxMiddleware",
    "playground.middleware.RecordingMiddleware",
    "playground.middleware.RateLimitMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its page.
    "axes.middleware.AxesMiddleware",
]

# The admin login is throttled by django-axes: its backend comes first, so a
# locked-out username and address is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "tutorial.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Everything the site needs comes from the site itself. No inline script
# runs without the per-response nonce (the templates use none at all).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    # WebAssembly compilation, for the lesson tests' Python in the browser
    # (lessons/runtime/); nothing wider ('unsafe-eval' stays out).
    "script-src": [CSP.SELF, CSP.NONCE, CSP.WASM_UNSAFE_EVAL],
    "worker-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

ROOT_URLCONF = "tutorial.urls"
WSGI_APPLICATION = "tutorial.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Site-wide templates (base layout, error pages); app templates live
        # in each app's own templates/<app>/ folder.
        "DIRS": [BASE_DIR / "tutorial" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL (postgres://…) selects
# PostgreSQL for production and for running several servers.
SQLITE_DATABASE = {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"),
    # Keep connections between requests: opening one (and running the PRAGMAs
    # below) cost more than the live poll's own queries.
    "CONN_MAX_AGE": 60,
    "CONN_HEALTH_CHECKS": True,
    "OPTIONS": {
        # Several writers (workers, the admin, tests) share one file: WAL
        # lets readers and a writer work at once, IMMEDIATE takes the write
        # lock up front instead of failing mid-transaction, and the timeout
        # makes a busy writer wait rather than error.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    },
}
if os.environ.get("DATABASE_URL"):
    # Imported only here: the browser runtime (lessons/runtime/) reuses these
    # settings without the package.
    import dj_database_url

    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
else:
    DATABASES = {"default": SQLITE_DATABASE}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the markup of stored log entries (the playground's
# "entries" partial), which never change once written. It is a cache, not
# state: each process keeps its own, and a miss renders the entry again from
# the database. Entries expire after five minutes (the template says so), so
# an edited template shows on old entries soon, even under runserver.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# build/static holds the browser runtime that `make runtime` builds
# (lessons/runtime/build.py), served under static/runtime/.
STATICFILES_DIRS = [BASE_DIR / "tutorial" / "static", BASE_DIR / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "tutorial.static_files.StaticFilesStorage"
        )
    },
}

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Local mode: lesson pages get a "Run these tests" button that runs pytest on
# the server. On by default with DEBUG (make run); production refuses it
# unless asked twice (and `check --deploy` reports it: lessons/checks.py).
LOCAL_MODE = env_flag("TUTORIAL_LOCAL_MODE", default=DEBUG)
if (
    LOCAL_MODE
    and not DEBUG
    and not env_flag("TUTORIAL_ALLOW_LOCAL_MODE_IN_PRODUCTION", default=False)
):
    # Any visitor could run pytest on the server: refuse unless asked twice.
    raise ImproperlyConfigured(
        "TUTORIAL_LOCAL_MODE=1 with DJANGO_DEBUG=0 lets every visitor run pytest on the "
        "server. Unset TUTORIAL_LOCAL_MODE, or set TUTORIAL_ALLOW_LOCAL_MODE_IN_PRODUCTION=1 "
        "if that is really what you want. See README.md."
    )
# Every lesson is loaded, validated and rendered at start-up (lessons/apps.py).
LESSONS_LOAD_AT_START = True
LESSON_TEST_TIMEOUT = int(os.environ.get("LESSON_TEST_TIMEOUT", "120"))  # seconds
# How long one press of "Run these tests" may run in the learner's browser,
# once Python is ready, before the page stops it: an endless loop must not
# hold the tab for ever.
LESSON_TEST_BROWSER_TIME_LIMIT = int(os.environ.get("LESSON_TEST_BROWSER_TIME_LIMIT", "60"))

# E-mail sent with send_mail() never leaves the site: the playground's backend
# keeps it in the outbox of the sandbox whose action sent it. (MAILERS is
# Django 6.1's successor to EMAIL_BACKEND; tests get the locmem backend.)
MAILERS = {"default": {"BACKEND": "playground.outbox.EmailBackend"}}

# Playground rate limits, per visitor (sandbox) and per client address.
PLAYGROUND_ACTIONS_PER_MINUTE = int(os.environ.get("PLAYGROUND_ACTIONS_PER_MINUTE", "120"))
PLAYGROUND_NEW_SANDBOXES_PER_HOUR = int(os.environ.get("PLAYGROUND_NEW_SANDBOXES_PER_HOUR", "60"))
# Storage budgets for uploaded product images, in bytes (README: "Uploads").
# What a sandbox may hold at once, and what one client address may upload
# per hour: 6 MB an hour keeps one address under 150 MB a day. The hourly
# count is kept in an integer column, so stay under 2 GB.
PLAYGROUND_IMAGE_BYTES_PER_SANDBOX = int(
    os.environ.get("PLAYGROUND_IMAGE_BYTES_PER_SANDBOX", str(10 * 1024 * 1024))
)
PLAYGROUND_IMAGE_BYTES_PER_HOUR = int(
    os.environ.get("PLAYGROUND_IMAGE_BYTES_PER_HOUR", str(6 * 1024 * 1024))
)

# How many reverse proxies stand in front of the site, each appending the
# address it was connected from to X-Forwarded-For. With 0 (the default) the
# header is ignored, since any client can send one; with n, the client is the
# n-th address from the right (playground.ratelimit.client_address).
_trusted_proxies = os.environ.get("TUTORIAL_TRUSTED_PROXIES", "").strip() or "0"
if not _trusted_proxies.isdigit():
    raise ImproperlyConfigured(
        f"TUTORIAL_TRUSTED_PROXIES must be a whole number of proxies (0 or more), "
        f"not {_trusted_proxies!r}. See README.md."
    )
TUTORIAL_TRUSTED_PROXIES = int(_trusted_proxies)

# The admin login (django-axes, tutorial/login_throttle.py): after
# AXES_FAILURE_LIMIT wrong passwords for one username from one client address,
# that pair is refused (429, with a page that says why) until AXES_COOLOFF_TIME
# has passed since the last attempt. Other addresses, and other usernames, are
# not affected. Attempts are stored in the database, so every worker process
# sees them.
AXES_HANDLER = "tutorial.login_throttle.LoginThrottleHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "playground.ratelimit.client_address"
AXES_USERNAME_CALLABLE = "tutorial.login_throttle.attempted_username"
AXES_LOCKOUT_CALLABLE = "tutorial.views.login_locked_out"

# Where the lesson Markdown files live. Overridable so an author can preview
# a draft folder, and so a test can start the site on a broken one.
LESSONS_CONTENT_DIR = Path(os.environ.get("LESSONS_CONTENT_DIR", BASE_DIR / "lessons" / "content"))
# Where the exercises live: a folder per lesson, a folder per exercise
# (lessons/exercise_catalog.py). Overridable for the same reasons.
LESSONS_EXERCISES_DIR = Path(
    os.environ.get("LESSONS_EXERCISES_DIR", BASE_DIR / "lessons" / "exercises")
)

# Errors go to the console (gunicorn's log); visitors only ever see 500.html.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO" if DEBUG else "WARNING"},
        # The playground's receivers log what they did (log_article_deletion),
        # and the recorder logs the details of unexpected exceptions that the
        # learner's log shows only by class (playground/recording.py).
        "playground": {"handlers": ["console"], "level": "INFO"},
    },
}
