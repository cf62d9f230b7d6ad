from django.db.models.signals import pre_save
from django.dispatch import receiver

from playground.models import Product

price_drops = []


@receiver(pre_save, sender=Product)
def notice_price_drop(sender, instance, **kwargs):
    # The price in `instance` is the new one. Where is the old one?
    pass
