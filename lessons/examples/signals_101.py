"""Examples for lesson 1, Signals 101: one sender, one signal, one receiver.

The shop's checkout announces each order through a custom signal. An audit
receiver listens for it. The checkout never names the receiver: that is the
whole point of a signal. ``DirectCheckout`` does the same job with a plain
function call, for comparison.
"""

import logging

from django.dispatch import Signal, receiver

logger = logging.getLogger(__name__)

# The signal: a named event that any code may listen for. Senders pass
# ``order_id`` when they send it.
order_placed = Signal()


def write_audit_line(order_id):
    """Record that an order was placed. A plain function that anyone may call."""
    logger.info("Audit: order %s placed", order_id)


class Checkout:
    """The sender: it places orders and announces each one with ``order_placed``.

    It does not know who listens, or whether anybody does.
    """

    def place_order(self, order_id):
        logger.info("Checkout stored order %s", order_id)
        # send() calls every connected receiver and returns only when they
        # have all finished.
        order_placed.send(sender=self.__class__, order_id=order_id)
        logger.info("Checkout finished order %s", order_id)


@receiver(order_placed, sender=Checkout)
def order_placed_receiver(sender, order_id, **kwargs):
    """Audit every order placed through ``Checkout``.

    The receiver only delegates: the work lives in a function that can be
    called and tested without a signal.
    """
    write_audit_line(order_id)


class DirectCheckout:
    """The same checkout without a signal.

    Auditing is part of placing an order here, so the checkout simply calls
    the function: the flow is visible in one place.
    """

    def place_order(self, order_id):
        logger.info("Checkout stored order %s", order_id)
        write_audit_line(order_id)
        logger.info("Checkout finished order %s", order_id)


def report_group_saved(sender, instance, created, **kwargs):
    """A receiver for Django's ``post_save``, written for the auth ``Group`` model.

    It is not connected here: the site must not react to every saved group,
    so the lesson's tests connect it, and disconnect it, themselves.
    """
    action = "created" if created else "updated"
    logger.info("%s %r %s", sender.__name__, instance.name, action)
