import asyncio

from django.dispatch import Signal, receiver

# Sent with order_id= when a payment has been captured.
order_paid = Signal()

receipts_sent = []


class Payments:
    """The sender."""


async def send_receipt(order_id):
    """A pretend mail API: async, like a real HTTP client."""
    await asyncio.sleep(0)  # stands in for the HTTP call
    receipts_sent.append(order_id)
    return f"receipt-{order_id}"


@receiver(order_paid, sender=Payments)
async def email_receipt(sender, order_id, **kwargs):
    return await send_receipt(order_id)


@receiver(order_paid, sender=Payments)
def mark_order_paid(sender, order_id, **kwargs):
    return "marked paid"
