import pytest
from django.test import RequestFactory

from playground.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def notebook(sandbox):
    return Product.objects.get(sandbox=sandbox, name="Notebook")


def view(learner, product):
    """Call the learner's view as Django would for GET /products/<pk>/."""
    request = RequestFactory().get(f"/products/{product.pk}/")
    return request, learner.view_product(request, product.pk)


def stored_views(product):
    product.refresh_from_db(fields=["views"])
    return product.views


def test_the_view_shows_the_product_and_counts_one_view(learner, notebook):
    _request, response = view(learner, notebook)

    assert (response.status_code, response.content.decode()) == (200, "Notebook")
    assert stored_views(notebook) == 1


def test_the_signal_carries_the_product_and_the_request(learner, notebook):
    received = []

    def listen(**kwargs):
        received.append(kwargs)

    learner.product_viewed.connect(listen)
    try:
        request, _response = view(learner, notebook)
    finally:
        learner.product_viewed.disconnect(listen)

    assert received == [
        {
            "signal": learner.product_viewed,
            "sender": Product,
            "product": notebook,
            "request": request,
        }
    ]


def test_a_failing_receiver_does_not_break_the_view(learner, notebook):
    def broken(**kwargs):
        raise ConnectionError("the recommendation service is down")

    learner.product_viewed.connect(broken)
    try:
        _request, response = view(learner, notebook)
    except ConnectionError as error:
        pytest.fail(
            f"view_product raised {error!r}: a failing receiver broke the page", pytrace=False
        )
    finally:
        learner.product_viewed.disconnect(broken)

    assert (response.status_code, stored_views(notebook)) == (200, 1)


def test_the_response_list_pairs_each_receiver_with_its_answer(learner, notebook):
    error = ConnectionError("the recommendation service is down")

    def broken(**kwargs):
        raise error

    learner.product_viewed.connect(broken)
    try:
        responses = learner.product_viewed.send_robust(
            sender=Product, product=notebook, request=None
        )
    finally:
        learner.product_viewed.disconnect(broken)

    assert [receiver for receiver, _response in responses] == [learner.count_view, broken]
    assert responses[-1][1] is error


def test_two_views_of_stale_copies_both_count(learner, notebook):
    # Two requests load the product at the same time: both copies say views=0.
    first = Product.objects.get(pk=notebook.pk)
    second = Product.objects.get(pk=notebook.pk)
    for copy in (first, second):
        learner.product_viewed.send_robust(sender=Product, product=copy, request=None)

    assert stored_views(notebook) == 2
