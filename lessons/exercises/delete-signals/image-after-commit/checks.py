from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models.signals import post_delete

from playground.models import Product
from playground.receivers import delete_product_image

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    """Raised inside atomic() to roll the block back."""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path, monkeypatch):
    """Files go to a temporary folder, and only the learner's receiver removes them."""
    settings.MEDIA_ROOT = tmp_path
    # The field's own storage, made here: default_storage caches its folder.
    storage = FileSystemStorage(location=tmp_path)
    monkeypatch.setattr(Product._meta.get_field("image"), "storage", storage)
    assert post_delete.disconnect(delete_product_image, sender=Product)
    try:
        yield tmp_path
    finally:
        post_delete.connect(delete_product_image, sender=Product)


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Runs the on_commit callbacks when a block ends, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def product_with_image(sandbox, name):
    # A plain file: the ImageField has no width or height fields, so it never opens it.
    product = Product(sandbox=sandbox, name=name, price=Decimal("3.00"))
    product.image = ContentFile(b"not really a PNG", name="photo.png")
    product.save()
    return product


def test_the_image_goes_once_the_delete_commits(learner, sandbox, media_root, committing):
    photo = product_with_image(sandbox, "Photo")
    file = media_root / photo.image.name
    assert file.is_file()

    with committing(), transaction.atomic():
        photo.delete()

    assert not file.exists(), "the image is still in storage after the delete committed"


def test_the_image_stays_until_the_commit(learner, sandbox, media_root, committing):
    photo = product_with_image(sandbox, "Photo")
    file = media_root / photo.image.name

    with committing(), transaction.atomic():
        photo.delete()
        still_there = file.is_file()  # the block has not committed yet

    assert still_there, "the image was removed before the transaction committed"
    assert not file.exists(), "the image is still in storage after the delete committed"


def test_a_rolled_back_delete_keeps_the_image(learner, sandbox, media_root, committing):
    photo = product_with_image(sandbox, "Photo")
    pk, file = photo.pk, media_root / photo.image.name

    with (
        committing(),
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        photo.delete()
        raise Rollback

    assert Product.objects.filter(pk=pk).exists()
    assert file.is_file(), "the delete was rolled back, yet its image was removed"


def test_other_images_stay_and_no_image_is_fine(learner, sandbox, media_root, committing):
    photo = product_with_image(sandbox, "Photo")
    poster = product_with_image(sandbox, "Poster")
    lamp = Product.objects.get(sandbox=sandbox, name="Desk lamp")  # no image

    with committing(), transaction.atomic():
        photo.delete()
        lamp.delete()

    assert sorted(path.name for path in media_root.rglob("*") if path.is_file()) == [
        poster.image.name.rsplit("/", 1)[-1]
    ]
