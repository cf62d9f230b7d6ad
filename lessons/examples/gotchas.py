"""Examples for lesson 13, When signals do not fire: the recursion trap and two fixes.

Each receiver tidies a ``Group``'s name after every save. The first saves the
instance again from ``post_save``, which sends ``post_save`` again, forever.
The other two are the usual fixes. None is connected at import time; the
lesson's tests connect one at a time.
"""


def tidy(name):
    return " ".join(name.split()).title()


def tidy_group_name_badly(sender, instance, **kwargs):
    """Saving the instance inside its own post_save sends post_save again."""
    instance.name = tidy(instance.name)
    instance.save()


def tidy_group_name_with_update(sender, instance, **kwargs):
    """Fix 1: QuerySet.update() writes the column and sends no signal."""
    instance.name = tidy(instance.name)
    sender.objects.filter(pk=instance.pk).update(name=instance.name)


def tidy_group_name_once(sender, instance, update_fields, **kwargs):
    """Fix 2: save only the name, and ignore the post_save that this save sends."""
    if update_fields == frozenset({"name"}):
        return
    instance.name = tidy(instance.name)
    instance.save(update_fields=["name"])
