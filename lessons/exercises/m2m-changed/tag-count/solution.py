from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from playground.models import Article

tag_counts = {}


@receiver(m2m_changed, sender=Article.tags.through)
def count_tags(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse:
        return  # instance is a Tag: this counter follows article.tags calls only
    if action in ("post_add", "post_remove", "post_clear"):
        # Count the links now stored: pk_set says what was asked for, not what the article has.
        tag_counts[instance.title] = instance.tags.count()
