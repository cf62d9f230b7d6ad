from django.db.models.signals import post_delete
from django.dispatch import receiver

from playground.models import Article

deleted = []


# post_delete: the row is gone, and the instance still has its pk and title.
@receiver(post_delete, sender=Article)
def log_article_deletion(sender, instance, **kwargs):
    deleted.append((instance.pk, instance.title))
