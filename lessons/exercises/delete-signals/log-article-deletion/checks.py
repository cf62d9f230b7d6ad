import pytest
from django.db import transaction
from django.db.models.signals import pre_delete

from playground.models import Article, Product, Tag

pytestmark = pytest.mark.django_db


class DeleteRefused(Exception):
    pass


def refuse(sender, instance, **kwargs):
    raise DeleteRefused(f"{instance} may not be deleted")


def test_deleting_an_article_logs_its_pk_and_title(learner, sandbox):
    article = Article.objects.get(sandbox=sandbox, title="Why signals?")
    pk = article.pk

    article.delete()

    assert learner.deleted == [(pk, "Why signals?")]


def test_a_queryset_delete_logs_each_article_as_django_sends_them(learner, sandbox):
    first = Article.objects.create(sandbox=sandbox, title="Receivers")
    second = Article.objects.create(sandbox=sandbox, title="Senders")

    Article.objects.filter(pk__in=[first.pk, second.pk]).delete()

    # One call per row. post_delete reports one model's rows in descending pk order.
    assert learner.deleted == [(second.pk, "Senders"), (first.pk, "Receivers")]


def test_a_delete_that_fails_is_not_logged(learner, sandbox):
    article = Article.objects.get(sandbox=sandbox, title="Why signals?")
    # A pre_delete receiver that raises stops the delete before any row is gone.
    pre_delete.connect(refuse, sender=Article)
    try:
        # atomic(): the delete's own transaction rolls back, and the test's goes on.
        with pytest.raises(DeleteRefused), transaction.atomic():
            article.delete()
    finally:
        pre_delete.disconnect(refuse, sender=Article)

    assert Article.objects.filter(pk=article.pk).exists()
    assert learner.deleted == []


def test_deleting_a_product_or_a_tag_logs_nothing(learner, sandbox):
    Product.objects.get(sandbox=sandbox, name="Desk lamp").delete()
    Tag.objects.get(sandbox=sandbox, name="orm").delete()

    assert learner.deleted == []
