from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.text import slugify

from playground.models import Product


@receiver(post_save, sender=Product)
def add_pk_to_slug(sender, instance, **kwargs):
    instance.slug = f"{slugify(instance.name)[:80]}-{instance.pk}"
    # update() writes the column and sends no save signals, so this receiver is not called again.
    sender.objects.filter(pk=instance.pk).update(slug=instance.slug)
