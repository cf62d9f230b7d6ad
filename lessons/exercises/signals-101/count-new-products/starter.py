from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product

created_names = []


@receiver(post_save, sender=Product)
def collect_new_product(sender, instance, **kwargs):
    # Append instance.name to created_names, but only when this save created
    # the row. Which argument of post_save says so?
    pass
