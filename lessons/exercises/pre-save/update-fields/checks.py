import pytest

from playground.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def notebook(sandbox):
    return Product.objects.get(sandbox=sandbox, name="Notebook")  # slug "notebook", 40 in stock


def stored(product, *fields):
    return Product.objects.filter(pk=product.pk).values_list(*fields).get()


def test_renaming_stores_the_new_slug(learner, notebook):
    learner.rename(notebook, "Spiral notebook")

    assert stored(notebook, "name", "slug") == ("Spiral notebook", "spiral-notebook")


def test_renaming_leaves_the_other_columns_as_stored(learner, notebook):
    # Another request changes the stock after this one loaded the notebook.
    Product.objects.filter(pk=notebook.pk).update(stock=7)

    learner.rename(notebook, "Spiral notebook")

    assert stored(notebook, "name", "stock") == ("Spiral notebook", 7)


def test_the_product_in_hand_has_the_new_slug(learner, notebook):
    learner.rename(notebook, "Spiral notebook")

    assert (notebook.name, notebook.slug) == ("Spiral notebook", "spiral-notebook")


def test_a_full_save_still_updates_the_slug(learner, notebook):
    notebook.name = "Blue notebook"
    notebook.save()

    assert stored(notebook, "name", "slug") == ("Blue notebook", "blue-notebook")
