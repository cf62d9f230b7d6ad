from contextlib import contextmanager


@contextmanager
def muted(signal, receiver, sender):
    # disconnect() needs the sender the receiver was connected with, and says
    # whether it found it.
    if not signal.disconnect(receiver, sender=sender):
        raise LookupError(f"{receiver!r} is not connected to this signal for {sender!r}")
    try:
        yield
    finally:
        signal.connect(receiver, sender=sender)
