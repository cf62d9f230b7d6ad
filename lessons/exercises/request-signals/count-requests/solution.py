from django.core.signals import request_finished, request_started
from django.dispatch import receiver

counts = {"started": 0, "finished": 0}


# No sender: the handler class differs between servers, and the test client
# sends request_finished with sender=None.
@receiver(request_started)
def count_started(sender, **kwargs):
    counts["started"] += 1


@receiver(request_finished)
def count_finished(sender, **kwargs):
    counts["finished"] += 1
