from django.db.models.signals import post_init, post_save, pre_init, pre_save
from django.dispatch import receiver

from playground.models import Product

events = []


@receiver(pre_init, sender=Product)
def record_pre_init(sender, args, kwargs, **extra):
    # pre_init passes its own `kwargs`, so the catch-all is called **extra.
    # Append ("pre_init", "database") or ("pre_init", "code"): which argument
    # tells a row from the database apart?
    pass


@receiver(post_init, sender=Product)
def record_post_init(sender, instance, **kwargs):
    events.append(("post_init", instance.name))


@receiver(pre_save, sender=Product)
def record_pre_save(sender, instance, **kwargs):
    # Append ("pre_save", <the fields being written>).
    pass


@receiver(post_save, sender=Product)
def record_post_save(sender, instance, **kwargs):
    # Append ("post_save", <did this save insert a row?>).
    pass
