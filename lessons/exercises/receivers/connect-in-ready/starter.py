from django.apps import AppConfig
from django.db.models.signals import post_save  # noqa: F401  (you need it)

from playground.models import Product  # noqa: F401  (you need it)

saved_names = []


def log_saved_product(sender, instance, **kwargs):
    saved_names.append(instance.name)


class ShopConfig(AppConfig):
    name = "playground"

    def ready(self):
        # Connect log_saved_product to post_save for Product here,
        # with dispatch_uid="learner-log-saved-product".
        pass
