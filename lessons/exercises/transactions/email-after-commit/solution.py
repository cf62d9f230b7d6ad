from functools import partial

from django.core.mail import send_mail
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from playground.models import Product


@receiver(post_save, sender=Product)
def email_sold_out(sender, instance, **kwargs):
    if instance.stock == 0:
        # Sent after COMMIT, never after a rollback. partial() binds the text now.
        transaction.on_commit(
            partial(
                send_mail,
                subject=f"Sold out: {instance.name}",
                message=f"{instance.name} is out of stock.",
                from_email=None,
                recipient_list=["warehouse@example.com"],
            )
        )
