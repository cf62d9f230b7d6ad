"""Examples for lesson 14, Testing signals: two context managers for tests.

``collect`` records what a signal sends while a block runs. ``muted`` switches
one receiver off for a block. Both undo their change in ``finally``, so a
failing assertion inside the block never leaves the signal altered for the
tests that run after it.
"""

from contextlib import contextmanager


@contextmanager
def collect(signal, sender=None):
    """Record every send of ``signal`` during the block.

    Yields a list that gains one dict of keyword arguments per send
    (``signal`` and ``sender`` included), so a test can compare the whole
    list with one ``assert``.
    """
    received = []

    def collector(**kwargs):
        received.append(kwargs)

    # weak=False: the registration must not depend on who else holds the
    # local function.
    signal.connect(collector, sender=sender, weak=False)
    try:
        yield received
    finally:
        signal.disconnect(collector, sender=sender)


@contextmanager
def muted(signal, receiver, **connect_kwargs):
    """Disconnect ``receiver`` for the block and connect it again afterwards.

    Pass the ``sender`` (the model class, not a lazy string) and
    ``dispatch_uid`` it was connected with: they find the registration, and
    they restore it. Reconnecting appends to the signal's list, so a receiver
    that other receivers followed now runs after them.
    """
    if isinstance(connect_kwargs.get("sender"), str):
        # A model signal's disconnect() returns None for a lazy string sender,
        # so success could not be told from failure.
        raise TypeError("pass the sender as a class, not as a lazy 'app_label.Model' string")
    lookup = {
        key: connect_kwargs[key] for key in ("sender", "dispatch_uid") if key in connect_kwargs
    }
    if not signal.disconnect(receiver, **lookup):
        raise LookupError(f"{receiver!r} is not connected to this signal with {lookup}")
    try:
        yield
    finally:
        signal.connect(receiver, **connect_kwargs)
