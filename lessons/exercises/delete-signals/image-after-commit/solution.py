from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from playground.models import Product


@receiver(post_delete, sender=Product)
def remove_image_file(sender, instance, **kwargs):
    if not instance.image:
        return
    # partial() binds the storage and the name now; the file goes only after COMMIT.
    transaction.on_commit(partial(instance.image.storage.delete, instance.image.name))
