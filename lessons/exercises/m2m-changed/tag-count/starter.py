from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from playground.models import Article

tag_counts = {}


@receiver(m2m_changed, sender=Article.tags.through)
def count_tags(sender, instance, action, reverse, pk_set, **kwargs):
    # Set tag_counts[instance.title] once an add, remove or clear is done.
    pass
