from decimal import Decimal

from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product

audit_log = []


def audit_new_product(product):
    audit_log.append(f"created {product.name}")


@receiver(post_save, sender=Product)
def audit_product_created(sender, instance, created, raw, **kwargs):
    if created and not raw:
        audit_new_product(instance)


def import_products(sandbox, names):
    """Create one product per name, all in one INSERT, and return them."""
    return Product.objects.bulk_create(
        Product(sandbox=sandbox, name=name, price=Decimal("1.00")) for name in names
    )
