from django.db.models.signals import post_init, post_save, pre_init, pre_save
from django.dispatch import receiver

from playground.models import Product

events = []


@receiver(pre_init, sender=Product)
def record_pre_init(sender, args, kwargs, **extra):
    # A row from the database arrives as positional args, with empty kwargs.
    events.append(("pre_init", "database" if args else "code"))


@receiver(post_init, sender=Product)
def record_post_init(sender, instance, **kwargs):
    events.append(("post_init", instance.name))


@receiver(pre_save, sender=Product)
def record_pre_save(sender, instance, update_fields, **kwargs):
    events.append(("pre_save", update_fields))


@receiver(post_save, sender=Product)
def record_post_save(sender, instance, created, **kwargs):
    events.append(("post_save", created))
