import pytest
from django.db.models.signals import post_save

from playground.models import Product, Review
from playground.receivers import email_review_author

pytestmark = pytest.mark.django_db

THANKS = "Thanks for reviewing Notebook"


def is_connected(signal, receiver, sender):
    return (id(receiver), id(sender)) in {lookup_key for lookup_key, *_rest in signal.receivers}


@pytest.fixture(autouse=True)
def reconnect_email_review_author():
    """Whatever the code under test did, the playground's receiver is
    connected again afterwards, so no later check runs without it."""
    yield
    if not is_connected(post_save, email_review_author, Review):
        post_save.connect(email_review_author, sender=Review)


@pytest.fixture
def notebook(sandbox):
    return Product.objects.get(sandbox=sandbox, name="Notebook")


def add_review(notebook, author):
    return Review.objects.create(
        sandbox=notebook.sandbox, product=notebook, author=author, rating=3
    )


def test_the_receiver_is_silent_inside_the_block(learner, notebook, mailoutbox):
    with learner.muted(post_save, email_review_author, sender=Review):
        add_review(notebook, "Ann")

    assert [email.subject for email in mailoutbox if email.subject == THANKS] == []


def test_the_other_receivers_keep_running(learner, notebook, mailoutbox):
    with learner.muted(post_save, email_review_author, sender=Review):
        # The playground's email_new_product, also on post_save.
        Product.objects.create(sandbox=notebook.sandbox, name="Ink", price=2)

    assert [email.subject for email in mailoutbox] == ["New product: Ink"]


def test_the_receiver_runs_again_after_the_block(learner, notebook, mailoutbox):
    with learner.muted(post_save, email_review_author, sender=Review):
        pass
    add_review(notebook, "Ann")

    assert [(email.subject, email.to) for email in mailoutbox] == [(THANKS, ["ann@example.com"])]


def test_the_receiver_comes_back_when_the_block_raises(learner, notebook, mailoutbox):
    with (
        pytest.raises(RuntimeError, match="a failing test"),
        learner.muted(post_save, email_review_author, sender=Review),
    ):
        raise RuntimeError("a failing test")

    assert is_connected(post_save, email_review_author, Review), (
        "email_review_author was not connected again after the block raised"
    )


def test_a_receiver_not_connected_with_that_sender_raises_lookup_error(learner):
    # email_review_author is connected with sender=Review, not Product.
    with (
        pytest.raises(LookupError),
        learner.muted(post_save, email_review_author, sender=Product),
    ):
        pass
