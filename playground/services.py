"""The actions a learner can take, as small keyword-only functions.

Views validate input, then call exactly one of these. Each one does what a
real project's code would do, so the signals the log shows are the signals
that code sends. None of them knows about the log.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from playground.models import MAX_RECORDS_PER_MODEL, Article, Product, Review, Sandbox, Tag
from playground.signals import product_shared, product_viewed


class LimitReached(Exception):
    """The sandbox already holds the most records a model may have."""


def check_room(model, sandbox: Sandbox, adding: int = 1) -> None:
    if model.objects.filter(sandbox=sandbox).count() + adding > MAX_RECORDS_PER_MODEL:
        raise LimitReached(
            f"A sandbox holds at most {MAX_RECORDS_PER_MODEL} {model._meta.verbose_name_plural}; "
            "delete some or reset the sandbox."
        )


# --- Products -------------------------------------------------------------------


def product_create(
    *, sandbox: Sandbox, name: str, price: Decimal, stock: int, image=None
) -> Product:
    check_room(Product, sandbox)
    return Product.objects.create(
        sandbox=sandbox, name=name, price=price, stock=stock, image=image or ""
    )


def product_update(*, product: Product, name: str, price: Decimal, stock: int) -> Product:
    product.name, product.price, product.stock = name, price, stock
    product.save()
    return product


def product_update_in_atomic(*, product: Product, name: str, price: Decimal, stock: int) -> Product:
    """The same update inside ``transaction.atomic()``: a receiver's error now
    rolls the UPDATE back, and ``on_commit`` callbacks only run on success."""
    with transaction.atomic():
        return product_update(product=product, name=name, price=price, stock=stock)


def product_set_stock(*, product: Product, stock: int) -> Product:
    """Save only the stock column: both save signals get ``update_fields``."""
    product.stock = stock
    product.save(update_fields=["stock"])
    return product


def product_delete(*, product: Product) -> tuple[int, dict[str, int]]:
    return product.delete()


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
    return Product.objects.bulk_update(products, ["price"])


def products_restock(*, sandbox: Sandbox, amount: int) -> int:
    """``QuerySet.update()``: one UPDATE statement, no signals."""
    return Product.objects.filter(sandbox=sandbox).update(stock=F("stock") + amount)


def products_delete_bulk_items(*, sandbox: Sandbox) -> tuple[int, dict[str, int]]:
    """``QuerySet.delete()``: Django fetches the rows and signals per object."""
    return Product.objects.filter(sandbox=sandbox, name__startswith=BULK_PREFIX).delete()


# --- Reviews --------------------------------------------------------------------


def review_create(*, product: Product, author: str, rating: int) -> Review:
    check_room(Review, product.sandbox)
    return Review.objects.create(
        sandbox_id=product.sandbox_id, product=product, author=author, rating=rating
    )


def review_update(*, review: Review, author: str, rating: int) -> Review:
    review.author, review.rating = author, rating
    review.save()
    return review


def review_delete(*, review: Review) -> tuple[int, dict[str, int]]:
    return review.delete()


# --- Articles and tags ---------------------------------------------------------------


def article_create(*, sandbox: Sandbox, title: str, body: str) -> Article:
    check_room(Article, sandbox)
    return Article.objects.create(sandbox=sandbox, title=title, body=body)


def article_update(*, article: Article, title: str, body: str) -> Article:
    article.title, article.body = title, body
    article.save()
    return article


def article_delete(*, article: Article) -> tuple[int, dict[str, int]]:
    return article.delete()


def tag_create(*, sandbox: Sandbox, name: str) -> Tag:
    check_room(Tag, sandbox)
    return Tag.objects.create(sandbox=sandbox, name=name)


def tag_update(*, tag: Tag, name: str) -> Tag:
    tag.name = name
    tag.save()
    return tag


def tag_delete(*, tag: Tag) -> tuple[int, dict[str, int]]:
    return tag.delete()


LINK_OPERATIONS = ("add", "remove", "clear", "set")


def change_links(*, manager, operation: str, targets) -> None:
    """Run one related-manager call: ``article.tags.add(...)`` or, from the
    other side, ``tag.articles.add(...)``."""
    if operation == "clear":
        manager.clear()
    elif operation == "set":
        manager.set(targets)
    elif operation in ("add", "remove"):
        getattr(manager, operation)(*targets)
    else:
        raise ValueError(f"unknown link operation {operation!r}")


# --- Switches ---------------------------------------------------------------------


def sandbox_set_switch(*, sandbox: Sandbox, name: str, on: bool) -> None:
    if name not in ("fail_post_save", "log_requests"):
        raise ValueError(f"unknown switch {name!r}")
    Sandbox.objects.filter(pk=sandbox.pk).update(**{name: on})
    setattr(sandbox, name, on)
