"""Examples for lesson 3, Senders: which senders a receiver hears from.

Two classes send ``order_shipped``: our own ``Warehouse`` and a partner
``DropShipper``. One receiver listens to the warehouse only. A catch-all
receiver hears both. The last functions show the weak-reference trap and its
fix.
"""

import logging

from django.dispatch import Signal, receiver

logger = logging.getLogger(__name__)

# Sent with order_id= whenever an order leaves a shipper.
order_shipped = Signal()


class Warehouse:
    """Ships orders from our own shelves."""

    def ship(self, order_id):
        order_shipped.send(sender=self.__class__, order_id=order_id)


class DropShipper:
    """A partner that ships orders from its own stock, not ours."""

    def ship(self, order_id):
        order_shipped.send(sender=self.__class__, order_id=order_id)


@receiver(
    order_shipped,
    sender=Warehouse,
    dispatch_uid="lessons.examples.senders.update_shelf_count",
)
def update_shelf_count(sender, order_id, **kwargs):
    """Only our own shipments take items off our shelves, so listen to ``Warehouse`` only.

    The ``dispatch_uid`` keeps this to one registration even if the module is
    imported twice under two names.
    """
    logger.info("Shelf count updated for order %s", order_id)


@receiver(order_shipped)
def log_shipment(sender, order_id, **kwargs):
    """Catch-all (no ``sender``): every shipment is logged, whoever sent it."""
    logger.info("Order %s shipped by %s", order_id, sender.__name__)


def report_group_saved(sender, instance, created, **kwargs):
    """A ``post_save`` receiver for Django's auth ``Group`` model.

    It is not connected here, so the site does not react to every saved
    group. The lesson's tests connect it, with the class or with the lazy
    string ``"auth.Group"`` as sender, and disconnect it afterwards.
    """
    action = "created" if created else "updated"
    logger.info("%s %r %s", sender.__name__, instance.name, action)


def connect_shipping_alert(recipient):
    """BROKEN, kept to show the trap: the receiver disappears when this returns.

    ``alert`` is a local function, and the signal holds it by a weak
    reference only. Once this function returns nothing else refers to it,
    so it is garbage-collected and silently never runs.
    """

    def alert(sender, order_id, **kwargs):
        logger.info("Alert for %s: order %s shipped", recipient, order_id)

    order_shipped.connect(alert, sender=Warehouse)


def connect_shipping_alert_strongly(recipient):
    """The fix for a receiver that must close over local values.

    ``weak=False`` makes the signal keep the function alive. The
    ``dispatch_uid`` stops a second call from adding a duplicate and lets
    callers disconnect it without a reference to the function.
    """

    def alert(sender, order_id, **kwargs):
        logger.info("Alert for %s: order %s shipped", recipient, order_id)

    order_shipped.connect(
        alert, sender=Warehouse, weak=False, dispatch_uid=f"shipping-alert:{recipient}"
    )
