"""Detect receivers that a test connected and never disconnected.

Like the base class of Django's own ``tests/signals``, every test is compared
before and after: a receiver still connected afterwards is a leak, and would
make later tests (and the playground's log) see calls they did not expect.
"""

import functools
import importlib
import weakref
from collections import Counter

from django.dispatch import Signal

# Modules whose module-level Signal objects are watched. Project signal
# modules join this list as they are written.
SIGNAL_MODULES = (
    "django.core.signals",
    "django.db.models.signals",
    "django.db.backends.signals",
    "django.test.signals",
    "django.contrib.auth.signals",
    "django.tasks.signals",
    "django.utils.autoreload",
    "playground.signals",
)


@functools.cache
def watched_signals() -> dict[str, Signal]:
    """The watched signals by dotted name (found once: they are module-level objects)."""
    found: dict[int, tuple[str, Signal]] = {}
    for module_name in SIGNAL_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            # Some modules re-export another's signal; watch each object once.
            if isinstance(value, Signal) and id(value) not in found:
                found[id(value)] = (f"{module_name}.{name}", value)
    return dict(found.values())


def _describe(receiver_ref) -> str:
    receiver = receiver_ref() if isinstance(receiver_ref, weakref.ReferenceType) else receiver_ref
    if receiver is None:
        return "<dead weak reference>"
    return f"{getattr(receiver, '__module__', '?')}.{getattr(receiver, '__qualname__', receiver)}"


def snapshot() -> dict[str, dict]:
    """Each watched signal's registrations: its receivers by lookup key, so
    their order may change (the test Client disconnects and reconnects
    ``close_old_connections``) and nobody is described until ``leaks()``
    finds them new. Taken twice a test, so kept cheap."""
    return {
        name: {lookup_key: receiver_ref for lookup_key, receiver_ref, *_rest in signal.receivers}
        for name, signal in watched_signals().items()
    }


def leaks(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    found = []
    for name, registrations in after.items():
        earlier = before.get(name, {})
        added = Counter(_describe(ref) for key, ref in registrations.items() if key not in earlier)
        for description, count in added.items():
            # Django connects some receivers lazily on first use (a storage
            # instance listens to setting_changed); those are not a test's
            # leak, nor is a receiver already gone.
            if description.startswith("django.") or description == "<dead weak reference>":
                continue
            found.append(f"{name}: {description} (x{count})")
    return found
