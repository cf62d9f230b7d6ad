"""Examples for lesson 6, Preparing data in pre_save.

These receivers are not connected here: the playground's own ``fill_slug``
and ``notice_price_drop`` already run for every Product, so the lesson's
tests connect these, and disconnect them, themselves.
"""

from django.utils.text import slugify


def normalise_product_name(sender, instance, **kwargs):
    """Store one spelling: no stray spaces, no doubled spaces inside."""
    instance.name = " ".join(instance.name.split())


def fill_slug_within_update_fields(sender, instance, update_fields, **kwargs):
    """Fill an empty slug, but only when this save will write the slug column.

    With ``save(update_fields=[...])`` Django writes only the listed columns:
    a slug filled here would stay in memory and never reach the row.
    """
    if update_fields is not None and "slug" not in update_fields:
        return
    if not instance.slug:
        instance.slug = slugify(instance.name)[:100]
