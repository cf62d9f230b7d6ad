"""Django settings for the lesson tests in the learner's browser (Pyodide).

The site's settings, less what the browser runtime does not have or need:
an in-memory SQLite database, and none of the apps and middleware that only
serve pages (whitenoise and django-axes are not in its wheels).
"""

from tutorial.settings import *  # noqa: F403
from tutorial.settings import INSTALLED_APPS, MIDDLEWARE, SQLITE_DATABASE

SERVER_ONLY = ("whitenoise", "tutorial.static_files", "axes")


def _browser_has(dotted: str) -> bool:
    return not dotted.startswith(SERVER_ONLY)


DATABASES = {"default": {**SQLITE_DATABASE, "NAME": ":memory:"}}
INSTALLED_APPS = [app for app in INSTALLED_APPS if _browser_has(app)]
MIDDLEWARE = [middleware for middleware in MIDDLEWARE if _browser_has(middleware)]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOCAL_MODE = False
# The reader's Markdown and YAML are not in the browser, and its tests do not read lessons.
LESSONS_LOAD_AT_START = False
# The browser's Python has no OpenSSL, so no PBKDF2: a fast hasher, as test
# settings often use. No lesson claim depends on which hasher stores a password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
