from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from playground.models import Product

price_changes = []


@receiver(pre_save, sender=Product)
def remember_old_price(sender, instance, **kwargs):
    # Only pre_save can still read the old price: by post_save the row holds the new one.
    instance._old_price = None
    if instance.pk is not None:
        instance._old_price = (
            sender.objects.filter(pk=instance.pk).values_list("price", flat=True).first()
        )


@receiver(post_save, sender=Product)
def record_price_change(sender, instance, created, **kwargs):
    old_price = instance._old_price
    if created or old_price is None:
        return  # a new product: no old price
    if old_price != instance.price:
        price_changes.append((instance.name, old_price, instance.price))
