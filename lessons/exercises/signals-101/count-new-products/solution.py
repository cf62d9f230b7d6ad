from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product

created_names = []


@receiver(post_save, sender=Product)
def collect_new_product(sender, instance, created, **kwargs):
    if created:
        created_names.append(instance.name)
