from django.db.models.signals import post_delete, pre_delete  # noqa: F401  (you need one)
from django.dispatch import receiver  # noqa: F401

from playground.models import Article  # noqa: F401

deleted = []


# Not connected yet: add @receiver(...) with the right delete signal and sender,
# then append (pk, title) to `deleted`.
def log_article_deletion(sender, instance, **kwargs):
    pass
