"""Examples for lesson 9, Custom signals: a signal whose answers the sender uses.

A checkout asks whichever shipping providers are installed for a price. Each
provider is a receiver, and its return value is its quote, so the checkout
reads ``send()``'s return value. In a real project each provider would live
in its own app; here they share one module to keep the example short.
"""

from decimal import Decimal

from django.dispatch import Signal, receiver

# Sent with weight_kg= when a checkout needs shipping prices. Each receiver
# returns a (carrier, price) quote, or None when it cannot take the parcel.
quote_requested = Signal()


class Checkout:
    """The sender. It knows nothing about the providers that answer."""

    def quotes(self, weight_kg):
        """Every quote, cheapest first. A provider that raises stops the checkout."""
        responses = quote_requested.send(sender=self.__class__, weight_kg=weight_kg)
        return sorted(
            (quote for _receiver, quote in responses if quote is not None),
            key=lambda quote: quote[1],
        )

    def quotes_robust(self, weight_kg):
        """The same, but a provider that raises is skipped (Django logs its error)."""
        responses = quote_requested.send_robust(sender=self.__class__, weight_kg=weight_kg)
        return sorted(
            (
                quote
                for _receiver, quote in responses
                if quote is not None and not isinstance(quote, Exception)
            ),
            key=lambda quote: quote[1],
        )


@receiver(quote_requested, sender=Checkout)
def standard_post(sender, weight_kg, **kwargs):
    return ("Standard post", Decimal("4.90") if weight_kg <= 2 else Decimal("9.90"))


@receiver(quote_requested, sender=Checkout)
def courier(sender, weight_kg, **kwargs):
    if weight_kg > 30:
        return None  # too heavy for a van: no quote
    return ("Courier", Decimal("12.00"))


@receiver(quote_requested, sender=Checkout)
def freight(sender, weight_kg, **kwargs):
    """Only quotes parcels over 20 kg, and its price service is down."""
    if weight_kg <= 20:
        return None
    raise ConnectionError("the freight price service did not answer")
