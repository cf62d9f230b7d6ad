"""Examples for lesson 2, Receivers: how to write them and how to connect them.

An ``Inventory`` announces stock changes through two custom signals. Three
receivers listen. One is connected with ``@receiver``, one with
``Signal.connect()``, and one with ``@receiver`` on a list of signals. They run
in the order they were connected.
"""

import logging

from django.dispatch import Signal, receiver

logger = logging.getLogger(__name__)

# Sent with product= and quantity= after every change of a stock count.
stock_changed = Signal()
# Sent with product= when a stock count reaches zero.
stock_ran_out = Signal()

LOW_STOCK = 5


class Inventory:
    """The sender: it keeps stock counts and announces every change."""

    def __init__(self):
        self.counts = {}

    def set_stock(self, product, quantity):
        self.counts[product] = quantity
        stock_changed.send(sender=self.__class__, product=product, quantity=quantity)
        if quantity == 0:
            stock_ran_out.send(sender=self.__class__, product=product)


@receiver(stock_changed, sender=Inventory)
def log_stock_change(sender, product, quantity, **kwargs):
    """Report every change.

    The arguments this receiver uses are named. ``**kwargs`` takes the rest:
    ``signal`` now, and any argument a later version of the sender adds.
    """
    logger.info("Stock of %s is now %s", product, quantity)


def warn_low_stock(sender, product, quantity, **kwargs):
    """Warn when a product is about to run out.

    Connected with ``stock_changed.connect()`` just below, not with a
    decorator. The result is the same registration.
    """
    if 0 < quantity < LOW_STOCK:
        logger.warning("Low stock: %s has %s left", product, quantity)


stock_changed.connect(warn_low_stock, sender=Inventory)


@receiver([stock_changed, stock_ran_out], sender=Inventory)
def audit_stock_event(sender, signal, product, **kwargs):
    """One receiver for two signals: the ``signal`` argument says which one fired."""
    event = "ran out" if signal is stock_ran_out else "changed"
    logger.info("Audit: stock of %s %s", product, event)


def log_stock_change_without_kwargs(sender, product, quantity):
    """A broken receiver, kept to show the mistake: it has no ``**kwargs``.

    Every send passes ``signal=`` too, so a call always fails. With
    ``DEBUG=True``, ``connect()`` refuses it at once. With ``DEBUG=False``,
    ``connect()`` accepts it and the failure waits for the first ``send()``.
    Nothing in this module connects it.
    """
    logger.info("Stock of %s is now %s", product, quantity)
