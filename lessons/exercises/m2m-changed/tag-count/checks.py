import pytest

from playground.models import Article, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def why(sandbox):
    return Article.objects.get(sandbox=sandbox, title="Why signals?")  # django, signals


@pytest.fixture
def saving(sandbox):
    return Article.objects.get(sandbox=sandbox, title="Saving models")  # orm


@pytest.fixture
def tag(sandbox):
    return lambda name: Tag.objects.get(sandbox=sandbox, name=name)


def test_adding_a_tag_counts_every_tag_of_the_article(learner, why, tag):
    why.tags.add(tag("orm"))

    assert learner.tag_counts == {"Why signals?": 3}


def test_adding_a_tag_already_linked_keeps_the_count(learner, why, tag):
    why.tags.add(tag("django"))

    assert learner.tag_counts == {"Why signals?": 2}


def test_removing_counts_only_links_that_were_there(learner, why, tag):
    why.tags.remove(tag("signals"))
    why.tags.remove(tag("signals"), tag("orm"))  # neither is linked any more

    assert learner.tag_counts == {"Why signals?": 1}


def test_clearing_leaves_a_count_of_zero(learner, why):
    why.tags.clear()

    assert learner.tag_counts == {"Why signals?": 0}


def test_each_article_keeps_its_own_count(learner, why, saving, tag):
    why.tags.set([tag("orm")])
    saving.tags.add(tag("django"), tag("signals"))

    assert learner.tag_counts == {"Why signals?": 1, "Saving models": 3}
