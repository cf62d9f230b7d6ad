from django.core.mail import send_mail  # noqa: F401  (you need it)
from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product


@receiver(post_save, sender=Product)
def welcome_new_product(sender, instance, created, raw, **kwargs):
    # Send the welcome e-mail, but only for a product that is really new.
    pass
