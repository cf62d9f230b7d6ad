from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.text import slugify

from playground.models import Product


@receiver(pre_save, sender=Product)
def keep_slug_in_step(sender, instance, **kwargs):
    instance.slug = slugify(instance.name)[:100]


def rename(product, name):
    """Give ``product`` a new name, writing only the columns a rename changes."""
    product.name = name
    # The receiver changes the slug too; the UPDATE writes only the fields listed here.
    product.save(update_fields=["name", "slug"])
