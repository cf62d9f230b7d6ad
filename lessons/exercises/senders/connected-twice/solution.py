import logging

from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product

logger = logging.getLogger("shop.audit")


# A fixed dispatch_uid: a second copy of this module finds the registration
# taken, whatever the copy's module name is.
@receiver(post_save, sender=Product, dispatch_uid="shop.audit.audit_product_save")
def audit_product_save(sender, instance, created, **kwargs):
    action = "created" if created else "updated"
    logger.info("Product %r %s", instance.name, action)
