"""Where the lesson pages find the built browser runtime.

``make runtime`` writes build/runtime.json (``lessons.runtime.build``); the
files it names are served as static files under static/runtime/, each with a
content hash in its name, so they are cached for good (``tutorial.static_files``).
"""

import json
from functools import cache

from django.conf import settings
from django.templatetags.static import static

from lessons.runtime.build import MANIFEST


@cache
def _manifest_text() -> str | None:
    try:
        return MANIFEST.read_text()
    except FileNotFoundError:
        return None


def browser_runtime() -> dict | None:
    """What the page's script needs to start the runtime, or None if it is not built."""
    text = _manifest_text()
    if text is None:
        return None
    manifest = json.loads(text)
    # The runtime's names already carry their hash: no manifest lookup.
    base = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
    return {
        "worker": static("lessons/test-worker.mjs"),
        "pyodide": base + manifest["pyodide"],
        "packages": base + manifest["packages"],
        "project": base + manifest["project"],
        "bytes": manifest["bytes"],
        "timeLimit": settings.LESSON_TEST_BROWSER_TIME_LIMIT,
    }
