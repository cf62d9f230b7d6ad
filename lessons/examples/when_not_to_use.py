"""Examples for lesson 15, When not to use signals: the explicit alternatives.

The playground's ``refresh_product_rating`` receiver recomputes a product's
rating whenever a review is saved, and nothing in ``review_create`` says so.
Here the same work is written out in the open: a plain function, a service
that calls it, and a task queued once the transaction commits.
"""

from functools import partial

from django.db import transaction
from django.tasks import task

from playground import services
from playground.models import Product, Review


def rating_summary(product: Product) -> str:
    """The product's average rating, as a sentence. A plain function: any
    code may call it, and a test needs no signal to check it."""
    ratings = list(Review.objects.filter(product=product).values_list("rating", flat=True))
    if not ratings:
        return f"{product.name!r} has no reviews yet"
    average = sum(ratings) / len(ratings)
    reviews = "1 review" if len(ratings) == 1 else f"{len(ratings)} reviews"
    return f"{product.name!r} now averages {average:.1f} from {reviews}"


def review_create_and_rate(*, product: Product, author: str, rating: int) -> tuple[Review, str]:
    """Add a review, then refresh the product's rating: both steps in view,
    in this order, and the caller gets the result back."""
    review = services.review_create(product=product, author=author, rating=rating)
    return review, rating_summary(product)


@task
def refresh_rating(product_id: int) -> str:
    """The same work as a task, for when it is slow: it gets an id, not an
    object, because task arguments must survive a trip through JSON."""
    return rating_summary(Product.objects.get(pk=product_id))


def review_create_then_rate_later(*, product: Product, author: str, rating: int) -> Review:
    """Add a review, and queue the rating only once the review is committed.

    Inside ``atomic()``, ``on_commit`` waits for COMMIT and forgets the
    callback on rollback, so the task never sees a review that does not exist.
    """
    with transaction.atomic():
        review = services.review_create(product=product, author=author, rating=rating)
        transaction.on_commit(partial(refresh_rating.enqueue, product.pk))
    return review
