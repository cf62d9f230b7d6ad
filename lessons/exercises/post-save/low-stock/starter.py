from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product

warnings = []


@receiver(post_save, sender=Product)
def warn_low_stock(sender, instance, **kwargs):
    # Append (name, stock) to `warnings` when the stock is below 5.
    pass
