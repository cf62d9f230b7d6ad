"""The playground's receivers: one group per lesson scenario.

Lessons include these functions, so they are written the way a Django
project would write them: ``@receiver`` (or ``Signal.connect``), a
``sender``, and ``**kwargs``. They are connected by importing this module in
``PlaygroundConfig.ready()``.

Each receiver returns a short sentence saying what it did. Django hands
those return values back to whoever sent the signal (``send()`` returns
``[(receiver, response), ...]``); the playground shows them in the log.
Nothing here knows it is being recorded, nor where its e-mail goes:
``send_mail()`` hands it to the site's mailer, the sandbox's outbox
(``playground/outbox.py``).
"""

import asyncio
import logging
from functools import partial

from django.core.mail import send_mail
from django.core.signals import (
    got_request_exception,
    request_finished,
    request_started,
)
from django.db import transaction
from django.db.backends.signals import connection_created
from django.db.models import F
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_delete,
    pre_init,
    pre_save,
)
from django.dispatch import receiver
from django.utils.text import slugify

from playground.models import Article, Product, Review
from playground.signals import product_shared, product_viewed

logger = logging.getLogger(__name__)

# --- 1. signals-101: one post_save receiver reports every save ---------------


@receiver(post_save, sender=Product)
def report_product_saved(sender, instance, created, **kwargs):
    verb = "created" if created else "updated"
    return f"{sender.__name__} {instance.name!r} was {verb}"


# --- 2. receivers: two receivers on post_save, run in connection order ---------


@receiver(post_save, sender=Product)
def log_price(sender, instance, **kwargs):
    """Connected with the decorator, so it runs first of the pair."""
    return f"price is {instance.price}"


def log_stock(sender, instance, **kwargs):
    """Connected with Signal.connect() below, after log_price."""
    return f"stock is {instance.stock}"


post_save.connect(log_stock, sender=Product, dispatch_uid="playground.log_stock")


# --- 3. senders: a Product-only receiver and a catch-all -------------------------


@receiver(post_save, sender=Product)
def only_products(sender, instance, **kwargs):
    return f"heard a save from {sender.__name__} (and only ever from Product)"


@receiver(post_save)
def any_model_saved(sender, instance, **kwargs):
    """No sender: this hears every model's post_save in the whole project."""
    return f"heard a save from {sender.__name__}"


@receiver(post_save, sender="playground.Article")
def article_saved_lazy_sender(sender, instance, **kwargs):
    """The sender is a lazy "app_label.Model" string, resolved once loaded."""
    return f"heard a save from {sender.__name__} (connected by the string 'playground.Article')"


# --- 4. model-lifecycle: the init and save signals made visible -----------------


@receiver(pre_init, sender=Product)
def product_init_started(sender, args, kwargs, **extra):
    # pre_init passes the constructor's own ``kwargs``, so the receiver's
    # catch-all has to use another name.
    source = "row from the database" if args else "Product(...) in code"
    return f"__init__ starting: {source}"


@receiver(post_init, sender=Product)
def product_init_finished(sender, instance, **kwargs):
    return f"__init__ done: pk={instance.pk}, name={instance.name!r}"


@receiver(pre_save, sender=Product)
def product_about_to_save(sender, instance, raw, update_fields, **kwargs):
    fields = "all fields" if update_fields is None else ", ".join(sorted(update_fields))
    return f"about to write {fields}"


# --- 5. post-save: act on `created`; warn on low stock -------------------------

LOW_STOCK = 5


@receiver(post_save, sender=Product)
def email_new_product(sender, instance, created, raw, **kwargs):
    if not created or raw:
        return "not a new product: no e-mail"
    send_mail(
        subject=f"New product: {instance.name}",
        message=f"{instance.name} is now on sale at {instance.price}.",
        from_email=None,  # settings.DEFAULT_FROM_EMAIL
        recipient_list=["catalogue@example.com"],
    )
    return "e-mailed the catalogue team"


@receiver(post_save, sender=Product)
def warn_low_stock(sender, instance, **kwargs):
    if instance.stock < LOW_STOCK:
        return f"LOW STOCK: only {instance.stock} left of {instance.name!r}"
    return "stock is fine"


# --- 6. pre-save: fill the slug; notice a price drop ----------------------------


@receiver(pre_save, sender=Product)
def fill_slug(sender, instance, **kwargs):
    """Changes made in pre_save are saved: the row gets this slug, unique
    among the sandbox's products (pen, pen-2, pen-3…)."""
    if instance.slug:
        return "slug already set"
    base = slugify(instance.name)[:90]
    if not base:
        return "the name has no letters or digits for a slug: left it empty"
    taken = set(
        sender.objects.filter(sandbox_id=instance.sandbox_id, slug__startswith=base)
        .exclude(pk=instance.pk)
        .values_list("slug", flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    instance.slug = slug
    return f"filled slug {slug!r}"


@receiver(pre_save, sender=Product)
def notice_price_drop(sender, instance, **kwargs):
    """Compare with the stored row: pre_save runs before the UPDATE."""
    if instance.pk is None:
        return "new product: nothing to compare"
    old_price = Product.objects.filter(pk=instance.pk).values_list("price", flat=True).first()
    if old_price is not None and instance.price < old_price:
        return f"PRICE DROP: {old_price} → {instance.price}"
    return "no price drop"


# --- 7. delete-signals: cascade order, the image file, a deletion log -------------


@receiver(pre_delete, sender=Product)
@receiver(pre_delete, sender=Review)
def before_delete(sender, instance, origin, **kwargs):
    return f"about to delete {sender.__name__} {instance.pk}"


@receiver(post_delete, sender=Review)
def review_deleted(sender, instance, **kwargs):
    return f"deleted review {instance.pk} (its row is already gone)"


@receiver(post_delete, sender=Product)
def delete_product_image(sender, instance, **kwargs):
    """Remove the file once the delete is committed, not before: a rollback
    would otherwise leave a row pointing at a missing file."""
    if not instance.image:
        return "no image to remove"
    transaction.on_commit(partial(instance.image.delete, save=False))
    return f"will remove {instance.image.name} after commit"


@receiver(post_delete, sender=Article)
def log_article_deletion(sender, instance, **kwargs):
    """A line in the server log for every deleted article. The row is gone,
    but the instance still has its pk and fields to report."""
    logger.info("Article %s %r was deleted", instance.pk, instance.title)
    return f"logged: Article {instance.pk} {instance.title!r} was deleted"


# --- 8. m2m-changed: tags added, removed, cleared --------------------------------


@receiver(m2m_changed, sender=Article.tags.through)
def tags_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    side = "from a Tag (reverse)" if reverse else "from an Article"
    keys = "None" if pk_set is None else sorted(pk_set)
    return f"{action} {side}: {model.__name__} pks {keys}"


# --- 9. custom-signals: count views; send() against send_robust() ----------------


@receiver(product_viewed)
def count_view(sender, product, **kwargs):
    # update() with F(): no save signals, and no lost increments when two
    # views arrive at once.
    Product.objects.filter(pk=product.pk).update(views=F("views") + 1)
    return "counted one view"


@receiver(product_shared)
def record_share(sender, product, **kwargs):
    return f"recorded a share of {product.name!r}"


@receiver(product_shared)
def post_to_partner_feed(sender, product, **kwargs):
    raise ConnectionError("the partner feed is unreachable (this receiver always fails)")


@receiver(product_shared)
def thank_sharer(sender, product, **kwargs):
    return "said thank you"


# --- 10. request-signals: the learner's own requests -----------------------------


@receiver(request_started)
def request_began(sender, environ=None, scope=None, **kwargs):
    path = environ.get("PATH_INFO") if environ else (scope or {}).get("path")
    return f"{sender.__name__} started handling {path}"


@receiver(request_finished)
def request_ended(sender, **kwargs):
    return "response closed"


@receiver(got_request_exception)
def request_failed(sender, request, **kwargs):
    return f"a view raised while handling {request.path}"


@receiver(connection_created)
def database_connected(sender, connection, **kwargs):
    return f"opened a {connection.vendor} connection ({connection.alias!r})"


# --- 11. transactions: an e-mail on commit; a receiver that fails on demand ------


@receiver(post_save, sender=Product)
def email_update_on_commit(sender, instance, created, **kwargs):
    if created:
        return "created: the new-product e-mail covers it"
    transaction.on_commit(
        partial(
            send_mail,
            subject=f"Updated: {instance.name}",
            message=f"{instance.name} now costs {instance.price}, {instance.stock} in stock.",
            from_email=None,
            recipient_list=["shop@example.com"],
        )
    )
    return "e-mail will be sent when the transaction commits"


@receiver(post_save, sender=Product)
def fail_on_demand(sender, instance, **kwargs):
    if instance.sandbox.fail_post_save:
        raise RuntimeError("the failing receiver is switched on")
    return "switch is off: did nothing"


# --- 12. async-signals: an async receiver beside a sync one -----------------------


@receiver(product_viewed)
async def warm_recommendations(sender, product, **kwargs):
    await asyncio.sleep(0)  # stands in for real async I/O
    return f"warmed recommendations for {product.name!r}"


# --- 13. gotchas: an audit that bulk operations silently skip ---------------------


@receiver(post_save, sender=Product)
def audit_product_change(sender, instance, **kwargs):
    return "audited (bulk_create, bulk_update and QuerySet.update() never get here)"


# --- 14. testing-signals: a receiver with a side effect worth testing -------------


@receiver(post_save, sender=Review)
def email_review_author(sender, instance, created, **kwargs):
    if not created:
        return "not a new review"
    send_mail(
        subject=f"Thanks for reviewing {instance.product.name}",
        message=f"You gave it {instance.rating} out of 5.",
        from_email=None,
        recipient_list=[f"{slugify(instance.author) or 'reviewer'}@example.com"],
    )
    return "thanked the reviewer by e-mail"


# --- 15. when-not-to-use: work that belongs in a service, shown as a signal ---------


@receiver(post_save, sender=Review)
def refresh_product_rating(sender, instance, **kwargs):
    """Hidden control flow: saving a Review quietly does product work.

    ``services.review_create`` shows the explicit alternative.
    """
    ratings = list(
        Review.objects.filter(product_id=instance.product_id).values_list("rating", flat=True)
    )
    average = sum(ratings) / len(ratings)
    reviews = "1 review" if len(ratings) == 1 else f"{len(ratings)} reviews"
    return f"{instance.product.name!r} now averages {average:.1f} from {reviews}"
