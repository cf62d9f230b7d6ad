"""Detect receivers that a test connected and never disconnected.

Like the base class of Django's own ``tests/signals``, every test is compared
before and after: a receiver still connected afterwards is a leak, and would
make later tests (and the playground's log) see calls they did not expect.
"""

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


def watched_signals() -> dict[str, Signal]:
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


def live_registrations(signal: Signal) -> Counter:
    """Registrations as a multiset: order may change (the test Client
    disconnects and reconnects ``close_old_connections``), count may not."""
    registrations = Counter()
    for lookup_key, receiver_ref, _sender_ref, _is_async in signal.receivers:
        description = _describe(receiver_ref)
        # Django connects some receivers lazily on first use (a storage
        # instance listens to setting_changed); those are not a test's leak.
        if description.startswith("django.") or description == "<dead weak reference>":
            continue
        registrations[(lookup_key, description)] += 1
    return registrations


def snapshot() -> dict[str, Counter]:
    return {name: live_registrations(signal) for name, signal in watched_signals().items()}


def leaks(before: dict[str, Counter], after: dict[str, Counter]) -> list[str]:
    found = []
    for name, registrations in after.items():
        for (_key, description), count in (registrations - before.get(name, Counter())).items():
            found.append(f"{name}: {description} (x{count})")
    return found
