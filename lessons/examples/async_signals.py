"""Examples for lesson 12, Async signals: one signal, a sync and an async receiver.

A payment service announces ``order_paid``. A sync receiver marks the order
paid; an async receiver e-mails the receipt through a (pretend) mail API and
leaves the receipt's id in a context variable for the caller. The same
signal is sent from sync code with ``send()`` and from async code with
``asend()``.
"""

import asyncio
import logging
from contextvars import ContextVar

from django.dispatch import Signal, receiver

logger = logging.getLogger(__name__)

# Sent with order_id= when a payment has been captured.
order_paid = Signal()

# The id of the last receipt e-mailed in this context; set by a receiver.
receipt_id: ContextVar[str | None] = ContextVar("receipt_id", default=None)


class Payments:
    """The sender, usable from sync code and from async code."""

    def capture(self, order_id):
        return order_paid.send(sender=Payments, order_id=order_id)

    async def acapture(self, order_id):
        return await order_paid.asend(sender=Payments, order_id=order_id)


@receiver(order_paid, sender=Payments)
async def email_receipt(sender, order_id, **kwargs):
    """Async: it awaits I/O. Connected first, yet it runs after every sync receiver."""
    await asyncio.sleep(0)  # stands in for an HTTP call to the mail API
    receipt_id.set(f"receipt-{order_id}")
    logger.info("Receipt e-mailed for order %s", order_id)
    return "receipt e-mailed"


@receiver(order_paid, sender=Payments)
def mark_order_paid(sender, order_id, **kwargs):
    """Sync: a quick database update."""
    logger.info("Order %s marked paid", order_id)
    return "marked paid"
