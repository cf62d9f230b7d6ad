"""Examples for lesson 5, Reacting to post_save.

None of these receivers is connected here: the site must not react to every
new user or every product save, so the lesson's tests connect them, and
disconnect them, themselves.
"""

from django.contrib.auth.models import Group

from playground.models import Product


def add_new_user_to_customers(sender, instance, created, raw, **kwargs):
    """Create the related records a new user needs: membership of "customers".

    Only on ``created``: an update of an existing user must not add it again.
    Not on ``raw``: a fixture (``loaddata``) brings its own related rows.
    """
    if not created or raw:
        return
    customers, _ = Group.objects.get_or_create(name="customers")
    instance.groups.add(customers)


def mark_sold_out_too_late(sender, instance, **kwargs):
    """A mistake: the row is already written, so this change stays in memory."""
    if instance.stock == 0:
        instance.name = f"{instance.name} (sold out)"


def mark_sold_out_in_the_row(sender, instance, **kwargs):
    """Write the change with an UPDATE. ``QuerySet.update()`` sends no save
    signals, so this receiver does not run again."""
    if instance.stock == 0 and not instance.name.endswith(" (sold out)"):
        instance.name = f"{instance.name} (sold out)"
        Product.objects.filter(pk=instance.pk).update(name=instance.name)
