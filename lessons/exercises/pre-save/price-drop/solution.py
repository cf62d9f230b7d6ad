from django.db.models.signals import pre_save
from django.dispatch import receiver

from playground.models import Product

price_drops = []


@receiver(pre_save, sender=Product)
def notice_price_drop(sender, instance, **kwargs):
    if instance.pk is None:
        return  # a new product: nothing stored to compare with
    old_price = sender.objects.filter(pk=instance.pk).values_list("price", flat=True).first()
    if old_price is not None and instance.price < old_price:
        price_drops.append((instance.name, old_price, instance.price))
