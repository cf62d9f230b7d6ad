from django.core.mail import send_mail
from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product


@receiver(post_save, sender=Product)
def welcome_new_product(sender, instance, created, raw, **kwargs):
    if not created or raw:
        return  # an update, or a row loaded from a fixture
    send_mail(
        subject=f"Welcome to the shop: {instance.name}",
        message=f"{instance.name} has just arrived, at {instance.price}.",
        from_email=None,
        recipient_list=["newsletter@example.com"],
    )
