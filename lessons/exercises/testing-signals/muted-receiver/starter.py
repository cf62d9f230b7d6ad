from contextlib import contextmanager


@contextmanager
def muted(signal, receiver, sender):
    # Disconnect `receiver` (connected with `sender`) before the block runs,
    # and connect it again when the block ends, however it ends.
    yield
