from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product

price_changes = []


@receiver(post_save, sender=Product)
def record_price_change(sender, instance, created, **kwargs):
    if created:
        return  # a new product: no old price
    old_price = sender.objects.filter(pk=instance.pk).values_list("price", flat=True).first()
    if old_price != instance.price:
        price_changes.append((instance.name, old_price, instance.price))
