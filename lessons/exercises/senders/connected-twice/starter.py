import logging

from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product

logger = logging.getLogger("shop.audit")


@receiver(post_save, sender=Product)
def audit_product_save(sender, instance, created, **kwargs):
    action = "created" if created else "updated"
    logger.info("Product %r %s", instance.name, action)
