""" "Who is listening?": the receivers connected right now, per signal and sender.

Like the debug toolbar's signals panel, this walks ``signal.receivers`` and
dereferences weak references; unlike it, it shows each receiver's source and
whether it hears one sender or all of them.
"""

import functools
import weakref
from dataclasses import dataclass

from django.db import models
from django.utils.safestring import SafeString, mark_safe

from playground import recording
from tutorial.highlighting import highlight_python
from tutorial.source import SourceNotFound, find_source


@dataclass(frozen=True)
class Listener:
    name: str
    sender: str  # a model name, or "any sender"
    dispatch_uid: str
    reference: str  # "weak" or "strong"
    is_async: bool
    is_recorder: bool
    source: SafeString


@dataclass(frozen=True)
class SignalListeners:
    signal: str
    listeners: tuple[Listener, ...]


@functools.cache
def _source_html(dotted_name: str) -> SafeString:
    # Receiver source only changes with a deploy: highlight it once.
    try:
        snippet = find_source(dotted_name)
    except SourceNotFound:
        return mark_safe("")
    return mark_safe(highlight_python(snippet.code))


def _sender_label(sender_ref) -> str | None:
    if sender_ref is None:
        return "any sender"
    sender = sender_ref()
    if sender is None:
        return None  # the sender was garbage-collected
    return getattr(sender, "__name__", repr(sender))


def _is_other_model(sender_ref) -> bool:
    """Is the receiver bound to a model no scenario saves?

    Such a receiver never runs for the playground: django-axes' bookkeeping
    of its own login-attempt rows, for one. Listing it would only puzzle.
    """
    sender = sender_ref() if sender_ref is not None else None
    return (
        isinstance(sender, type)
        and issubclass(sender, models.Model)
        and sender not in recording.sandbox_models()
    )


def listeners(signal_name: str, *, senders: set[str] | None = None) -> SignalListeners:
    """Receivers of one watched signal, in the order Django calls them
    (connection order, sync before async)."""
    signal = recording.SIGNALS[signal_name]
    found = []
    for lookup_key, receiver_ref, sender_ref, is_async in list(signal.receivers):
        receiver = (
            receiver_ref() if isinstance(receiver_ref, weakref.ReferenceType) else receiver_ref
        )
        sender = _sender_label(sender_ref)
        if receiver is None or sender is None:
            continue
        if senders is not None and sender != "any sender" and sender not in senders:
            continue
        if _is_other_model(sender_ref):
            continue
        function = getattr(receiver, "__func__", receiver)
        name = f"{function.__module__}.{function.__qualname__}"
        uid = lookup_key[0]
        found.append(
            Listener(
                name=name,
                sender=sender,
                dispatch_uid=uid if isinstance(uid, str) else "",
                reference="weak" if isinstance(receiver_ref, weakref.ReferenceType) else "strong",
                is_async=is_async,
                is_recorder=receiver is recording.observe,
                source=_source_html(name),
            )
        )
    found.sort(key=lambda listener: listener.is_async)  # stable: keeps connection order
    return SignalListeners(signal=signal_name, listeners=tuple(found))
