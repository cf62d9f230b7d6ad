"""The actions a learner can take, as small keyword-only functions.

Views validate input, then call exactly one of these. Each one does what a
real project's code would do, so the signals the log shows are the signals
that code sends. None of them knows about the log.

A record another tab deleted meanwhile is reported the way Django itself
reports a missing row: ``Model.DoesNotExist``, or ``Model.NotUpdated`` from
``save(force_update=True)``; the playground answers both with a 404.
"""

import hashlib
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from playground.models import (
    MAX_PRICE,
    MAX_RECORDS_PER_MODEL,
    MAX_STOCK,
    Article,
    Product,
    Review,
    Sandbox,
    Tag,
)
from playground.signals import product_shared, product_viewed


class Refused(Exception):
    """An action the sandbox refuses before it writes anything.

    The message says why, for the learner; ``status`` is the HTTP answer.
    """

    status = 409


class LimitReached(Refused):
    """The sandbox already holds the most records a model may have."""


class DoesNotFit(Refused):
    """A value the action would store is outside what its column holds."""

    status = 422


class EditedMeanwhile(Refused):
    """The edit form showed older values than the record has now (another
    tab saved in between): saving would silently undo that change."""

    def __init__(self, record):
        kind = record._meta.verbose_name
        super().__init__(
            f"This {kind} was changed (in another tab?) after your form was opened, so your "
            "edit was not saved. The form now shows the current values: make your change again."
        )


def check_room(model, sandbox: Sandbox, adding: int = 1) -> None:
    if model.objects.filter(sandbox=sandbox).count() + adding > MAX_RECORDS_PER_MODEL:
        raise LimitReached(
            f"A sandbox holds at most {MAX_RECORDS_PER_MODEL} {model._meta.verbose_name_plural}; "
            "delete some or start this lesson again."
        )


# --- Versions: what an edit form saw ------------------------------------------------

# The values each model's edit forms show and save.
EDITED_FIELDS = {
    Product: ("name", "price", "stock"),
    Review: ("author", "rating"),
    Article: ("title", "body"),
    Tag: ("name",),
}


def _fingerprint(values) -> str:
    text = "\x1f".join(str(value) for value in values)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def version_of(record) -> str:
    """A fingerprint of the record's edited values, for its edit forms to
    carry: no model field, so the sandbox models stay plain."""
    return _fingerprint(getattr(record, name) for name in EDITED_FIELDS[type(record)])


def check_unchanged(record, version: str | None) -> None:
    """Refuse an edit made on a form that showed other values than the row
    has now. ``version`` is what ``version_of`` gave when the form was
    rendered; None (code, not a form) skips the check.

    It is a read before the save, not a lock: two saves in the same instant
    could both pass it. That is the tabs' case, not a crowd's, and the
    plain edit runs outside a transaction on purpose (the transactions
    lesson compares it with the one inside ``atomic()``)."""
    if version is None:
        return
    model = type(record)
    stored = model.objects.filter(pk=record.pk).values_list(*EDITED_FIELDS[model]).first()
    if stored is None:
        raise model.DoesNotExist(f"{model.__name__} {record.pk} was deleted")
    if _fingerprint(stored) != version:
        raise EditedMeanwhile(record)


def _deleted(record, result: tuple[int, dict[str, int]]) -> tuple[int, dict[str, int]]:
    """``delete()`` of a row already gone deletes nothing and says so only
    by its count: report it like any other missing row."""
    if result[0] == 0:
        raise type(record).DoesNotExist(f"{type(record).__name__} {record.pk} was already deleted")
    return result


# --- Products -------------------------------------------------------------------


def product_create(
    *, sandbox: Sandbox, name: str, price: Decimal, stock: int, image=None
) -> Product:
    check_room(Product, sandbox)
    return Product.objects.create(
        sandbox=sandbox, name=name, price=price, stock=stock, image=image or ""
    )


def product_update(
    *, product: Product, name: str, price: Decimal, stock: int, version: str | None = None
) -> Product:
    check_unchanged(product, version)
    product.name, product.price, product.stock = name, price, stock
    # An update never creates: if another tab deleted the row since it was
    # loaded, a plain save() would INSERT it again (with a "created" signal).
    product.save(force_update=True)
    return product


def product_update_in_atomic(
    *, product: Product, name: str, price: Decimal, stock: int, version: str | None = None
) -> Product:
    """The same update inside ``transaction.atomic()``: a receiver's error now
    rolls the UPDATE back, and ``on_commit`` callbacks only run on success."""
    with transaction.atomic():
        return product_update(product=product, name=name, price=price, stock=stock, version=version)


def product_set_stock(*, product: Product, stock: int, version: str | None = None) -> Product:
    """Save only the stock column: both save signals get ``update_fields``."""
    check_unchanged(product, version)
    product.stock = stock
    product.save(update_fields=["stock"])
    return product


def product_delete(*, product: Product) -> tuple[int, dict[str, int]]:
    return _deleted(product, product.delete())


def product_refresh(*, product: Product) -> Product:
    product.refresh_from_db()
    return product


def product_list(*, sandbox: Sandbox) -> list[Product]:
    """What a list page does: iterate a QuerySet (one init pair per row)."""
    return list(Product.objects.filter(sandbox=sandbox))


def product_get_or_create(*, sandbox: Sandbox, name: str) -> tuple[Product, bool]:
    if not Product.objects.filter(sandbox=sandbox, name=name).exists():
        check_room(Product, sandbox)
    return Product.objects.get_or_create(
        sandbox=sandbox, name=name, defaults={"price": Decimal("1.00"), "stock": 1}
    )


def product_view(*, product: Product) -> list:
    return product_viewed.send(sender=Product, product=product)


async def product_view_async(*, product: Product) -> list:
    return await product_viewed.asend(sender=Product, product=product)


def product_share(*, product: Product, robust: bool) -> list:
    send = product_shared.send_robust if robust else product_shared.send
    return send(sender=Product, product=product)


BULK_PREFIX = "Bulk item"


def products_bulk_create(*, sandbox: Sandbox, count: int) -> list[Product]:
    check_room(Product, sandbox, adding=count)
    start = Product.objects.filter(sandbox=sandbox, name__startswith=BULK_PREFIX).count() + 1
    return Product.objects.bulk_create(
        Product(
            sandbox=sandbox,
            name=f"{BULK_PREFIX} {number}",
            slug=f"bulk-item-{number}",
            price=Decimal("1.00"),
            stock=10,
        )
        for number in range(start, start + count)
    )


def products_bulk_update(*, sandbox: Sandbox, percent: int) -> int:
    """Change every price by ``percent`` with one ``bulk_update()``."""
    products = list(Product.objects.filter(sandbox=sandbox))
    for product in products:
        product.price = max(
            Decimal("0.00"), (product.price * (100 + percent) / 100).quantize(Decimal("0.01"))
        )
        # All checked before anything is written: one price too high stops them all.
        if product.price > MAX_PRICE:
            raise DoesNotFit(
                f"A {percent:+d}% change would price {product.name!r} at {product.price}, and a "
                f"price holds at most {MAX_PRICE}. Nothing was changed."
            )
    return Product.objects.bulk_update(products, ["price"])


def products_restock(*, sandbox: Sandbox, amount: int) -> int:
    """``QuerySet.update()``: one UPDATE statement, no signals."""
    products = Product.objects.filter(sandbox=sandbox)
    with transaction.atomic():
        # The rows stay locked until the UPDATE (on SQLite the whole
        # database does), so no edit can raise a stock in between.
        for name, stock in products.select_for_update().values_list("name", "stock"):
            if stock + amount > MAX_STOCK:
                raise DoesNotFit(
                    f"Adding {amount} would give {name!r} a stock of {stock + amount}, and a "
                    f"product holds at most {MAX_STOCK}. Nothing was changed."
                )
        return products.update(stock=F("stock") + amount)


def products_delete_bulk_items(*, sandbox: Sandbox) -> tuple[int, dict[str, int]]:
    """``QuerySet.delete()``: Django fetches the rows and signals per object."""
    return Product.objects.filter(sandbox=sandbox, name__startswith=BULK_PREFIX).delete()


# --- Reviews --------------------------------------------------------------------


def review_create(*, product: Product, author: str, rating: int) -> Review:
    check_room(Review, product.sandbox)
    if not Product.objects.filter(pk=product.pk).exists():
        raise Product.DoesNotExist(f"Product {product.pk} was deleted")
    try:
        return Review.objects.create(
            sandbox_id=product.sandbox_id, product=product, author=author, rating=rating
        )
    except IntegrityError:
        # Deleted between the check and the INSERT: the foreign key failed.
        raise Product.DoesNotExist(f"Product {product.pk} was deleted") from None


def review_update(
    *, review: Review, author: str, rating: int, version: str | None = None
) -> Review:
    check_unchanged(review, version)
    review.author, review.rating = author, rating
    review.save(force_update=True)
    return review


def review_delete(*, review: Review) -> tuple[int, dict[str, int]]:
    return _deleted(review, review.delete())


# --- Articles and tags ---------------------------------------------------------------


def article_create(*, sandbox: Sandbox, title: str, body: str) -> Article:
    check_room(Article, sandbox)
    return Article.objects.create(sandbox=sandbox, title=title, body=body)


def article_update(
    *, article: Article, title: str, body: str, version: str | None = None
) -> Article:
    check_unchanged(article, version)
    article.title, article.body = title, body
    article.save(force_update=True)
    return article


def article_delete(*, article: Article) -> tuple[int, dict[str, int]]:
    return _deleted(article, article.delete())


def tag_create(*, sandbox: Sandbox, name: str) -> Tag:
    check_room(Tag, sandbox)
    return Tag.objects.create(sandbox=sandbox, name=name)


def tag_update(*, tag: Tag, name: str, version: str | None = None) -> Tag:
    check_unchanged(tag, version)
    tag.name = name
    tag.save(force_update=True)
    return tag


def tag_delete(*, tag: Tag) -> tuple[int, dict[str, int]]:
    return _deleted(tag, tag.delete())


LINK_OPERATIONS = ("add", "remove", "clear", "set")


def change_links(*, manager, operation: str, targets) -> None:
    """Run one related-manager call: ``article.tags.add(...)`` or, from the
    other side, ``tag.articles.add(...)``."""
    if operation not in LINK_OPERATIONS:
        raise ValueError(f"unknown link operation {operation!r}")
    _check_still_there(manager.instance, targets)
    try:
        if operation == "clear":
            manager.clear()
        elif operation == "set":
            manager.set(targets)
        else:
            getattr(manager, operation)(*targets)
    except IntegrityError:
        # A record was deleted between the check and the write, so a new
        # link's foreign key failed (and the link rolled back): say which.
        _check_still_there(manager.instance, targets)
        raise


def _check_still_there(record, targets: list) -> None:
    """Links from a deleted record, or to one, are refused as that record
    missing (a new link to it would fail its foreign key)."""
    model = type(record)
    if not model.objects.filter(pk=record.pk).exists():
        raise model.DoesNotExist(f"{model.__name__} {record.pk} was deleted")
    keys = {target.pk for target in targets}
    if keys and type(targets[0]).objects.filter(pk__in=keys).count() < len(keys):
        raise type(targets[0]).DoesNotExist(f"a chosen {type(targets[0]).__name__} was deleted")


# --- Switches ---------------------------------------------------------------------


# The sandbox's on/off fields a learner may flip (its switch/<name>/ URL).
SWITCHES = ("fail_post_save", "log_requests", "show_sql")


def sandbox_set_switch(*, sandbox: Sandbox, name: str, on: bool) -> None:
    if name not in SWITCHES:
        raise ValueError(f"unknown switch {name!r}")
    Sandbox.objects.filter(pk=sandbox.pk).update(**{name: on})
    setattr(sandbox, name, on)
