from django.core.signals import request_finished, request_started  # noqa: F401
from django.dispatch import receiver  # noqa: F401

counts = {"started": 0, "finished": 0}


# Two receivers: one for request_started, one for request_finished.
# Each adds 1 to its own entry of `counts`.
def count_started(sender, **kwargs):
    pass


def count_finished(sender, **kwargs):
    pass
