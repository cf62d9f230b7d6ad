from django.db import transaction  # noqa: F401  (you need it)
from django.db.models.signals import post_delete
from django.dispatch import receiver

from playground.models import Product


@receiver(post_delete, sender=Product)
def remove_image_file(sender, instance, **kwargs):
    # The row is gone, its file is not. Remove instance.image's file from its
    # storage, but only once the transaction commits.
    pass
