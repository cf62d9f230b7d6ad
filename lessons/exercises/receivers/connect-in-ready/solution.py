from django.apps import AppConfig
from django.db.models.signals import post_save

from playground.models import Product

saved_names = []


def log_saved_product(sender, instance, **kwargs):
    saved_names.append(instance.name)


class ShopConfig(AppConfig):
    name = "playground"

    def ready(self):
        post_save.connect(
            log_saved_product, sender=Product, dispatch_uid="learner-log-saved-product"
        )
