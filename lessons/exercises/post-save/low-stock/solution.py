from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product

LOW_STOCK = 5

warnings = []


@receiver(post_save, sender=Product)
def warn_low_stock(sender, instance, **kwargs):
    if instance.stock < LOW_STOCK:
        warnings.append((instance.name, instance.stock))
