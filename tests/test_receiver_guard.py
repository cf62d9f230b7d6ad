"""The autouse guard that fails tests which leave receivers connected."""

from django.db.models.signals import post_save

from tests.receiver_guard import leaks, snapshot


def leaky_receiver(sender, **kwargs):
    pass


def test_guard_reports_a_receiver_left_connected_and_clears_after_disconnect():
    before = snapshot()
    post_save.connect(leaky_receiver)
    try:
        during = leaks(before, snapshot())
    finally:
        post_save.disconnect(leaky_receiver)

    assert during == [
        "django.db.models.signals.post_save: tests.test_receiver_guard.leaky_receiver (x1)"
    ]
    assert leaks(before, snapshot()) == []
