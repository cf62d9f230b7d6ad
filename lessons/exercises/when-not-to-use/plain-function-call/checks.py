import pytest
from django.dispatch import Signal

from playground.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(sandbox):
    """Fountain pen: ratings 5 and 4. Notebook: 4. Desk lamp: no reviews."""
    return {product.name: product for product in Product.objects.filter(sandbox=sandbox)}


def test_reviewed_products_show_their_average(learner, products):
    assert learner.rating_label(products["Fountain pen"]) == "4.5 out of 5"
    assert learner.rating_label(products["Notebook"]) == "4.0 out of 5"


def test_a_product_without_reviews_shows_no_reviews_yet(learner, products):
    assert learner.rating_label(products["Desk lamp"]) == "No reviews yet"


def test_average_rating_returns_or_raises_to_its_caller(learner, products):
    assert learner.average_rating(products["Fountain pen"]) == 4.5
    with pytest.raises(ValueError, match="Desk lamp has no reviews yet"):
        learner.average_rating(products["Desk lamp"])


def test_the_module_defines_no_signal(learner):
    signals = [name for name, value in vars(learner).items() if isinstance(value, Signal)]
    assert signals == [], "one sender, one receiver, a result the caller needs: call the function"
