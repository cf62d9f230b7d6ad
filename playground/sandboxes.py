"""Finding, creating and resetting a visitor's sandboxes.

A visitor has one sandbox per scenario, made the first time they open it,
so every lesson starts from its own example data. The browser session
stores the visitor's id, the database everything else, so any worker
process (or server) can serve any request.
"""

import contextlib
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat, pluralize
from django.utils import timezone

from playground import log, ratelimit
from playground.models import (
    Article,
    OutboxEmail,
    Product,
    Review,
    Sandbox,
    Tag,
    Visitor,
)

SESSION_KEY = "playground_visitor_id"

# The starting state of every sandbox, restored by "Start this lesson again".
EXAMPLE_PRODUCTS = [
    {"name": "Fountain pen", "slug": "fountain-pen", "price": Decimal("24.00"), "stock": 12},
    {"name": "Notebook", "slug": "notebook", "price": Decimal("6.50"), "stock": 40},
    {"name": "Desk lamp", "slug": "desk-lamp", "price": Decimal("39.90"), "stock": 3},
]
EXAMPLE_REVIEWS = [
    ("Fountain pen", "Ada", 5),
    ("Fountain pen", "Linus", 4),
    ("Notebook", "Grace", 4),
]
EXAMPLE_TAGS = ["django", "signals", "orm"]
EXAMPLE_ARTICLES = [
    ("Why signals?", "A first look at decoupled code.", ["django", "signals"]),
    ("Saving models", "What happens when you call save().", ["orm"]),
]


def seed(sandbox: Sandbox) -> None:
    """Create the example records.

    ``bulk_create`` sends no save or m2m signals, which is what seeding
    wants: filling the sandbox is not something the learner did, so no
    receiver should react to it (no "new product" e-mails for the examples).
    """
    products = Product.objects.bulk_create(
        Product(sandbox=sandbox, **data) for data in EXAMPLE_PRODUCTS
    )
    by_name = {product.name: product for product in products}
    Review.objects.bulk_create(
        Review(sandbox=sandbox, product=by_name[name], author=author, rating=rating)
        for name, author, rating in EXAMPLE_REVIEWS
    )
    tags = {
        tag.name: tag
        for tag in Tag.objects.bulk_create(Tag(sandbox=sandbox, name=name) for name in EXAMPLE_TAGS)
    }
    articles = Article.objects.bulk_create(
        Article(sandbox=sandbox, title=title, body=body) for title, body, _ in EXAMPLE_ARTICLES
    )
    Article.tags.through.objects.bulk_create(
        Article.tags.through(article=article, tag=tags[name])
        for article, (_, _, names) in zip(articles, EXAMPLE_ARTICLES, strict=True)
        for name in names
    )


def create_sandbox(visitor: Visitor | None = None, scenario: str = "") -> Sandbox:
    with transaction.atomic():
        sandbox = Sandbox.objects.create(visitor=visitor, scenario=scenario)
        seed(sandbox)
    return sandbox


class RateLimited(Exception):
    """Too many sandboxes from one address, or too many actions in one."""

    def __init__(self, message: str, *, retry_after: int, sandbox: Sandbox | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.sandbox = sandbox


def visitor_for(request: HttpRequest) -> Visitor:
    """The visitor this browser session belongs to, made on first use."""
    visitor_id = request.session.get(SESSION_KEY)
    visitor = Visitor.objects.filter(pk=visitor_id).first() if visitor_id else None
    if visitor is None:
        # A client that drops its cookie is a new visitor every time, with
        # new sandboxes: limit how many one address may start.
        verdict = ratelimit.hit(
            f"new-sandbox:{ratelimit.client_address(request)}",
            limit=settings.PLAYGROUND_NEW_SANDBOXES_PER_HOUR,
            window=3600,
        )
        if not verdict.allowed:
            raise RateLimited(
                "Too many new playground sandboxes from your address. Keep your browser's "
                "cookies for this site, or try again later.",
                retry_after=verdict.retry_after,
            )
        visitor = Visitor.objects.create()
        request.session[SESSION_KEY] = visitor.pk
    return visitor


def sandbox_for(request: HttpRequest, scenario: str) -> Sandbox:
    """The visitor's sandbox for this scenario (a slug), created with the
    example records the first time they open it."""
    visitor_id = request.session.get(SESSION_KEY)
    sandbox = (
        Sandbox.objects.filter(visitor_id=visitor_id, scenario=scenario).first()
        if visitor_id
        else None
    )
    if sandbox is None:
        visitor = visitor_for(request)
        try:
            sandbox = create_sandbox(visitor, scenario)
        except IntegrityError:
            # Another tab opened the same scenario in the same instant.
            sandbox = Sandbox.objects.get(visitor=visitor, scenario=scenario)
    else:
        mark_seen(sandbox)
    # For the request-logging middleware, which would otherwise read the
    # switch again after the view.
    request.playground_sandbox = sandbox
    return sandbox


def sandbox_for_action(request: HttpRequest, scenario: str) -> Sandbox:
    """``sandbox_for``, counting one action against the visitor's limit
    (one limit for all their sandboxes)."""
    sandbox = sandbox_for(request, scenario)
    verdict = ratelimit.hit(
        f"actions:visitor-{sandbox.visitor_id}",
        limit=settings.PLAYGROUND_ACTIONS_PER_MINUTE,
        window=60,
    )
    if not verdict.allowed:
        raise RateLimited(
            f"You are going faster than {verdict.limit} playground actions a minute. "
            f"Wait {verdict.retry_after} seconds, then try again.",
            retry_after=verdict.retry_after,
            sandbox=sandbox,
        )
    return sandbox


class OverBudget(Exception):
    """An upload that would pass a storage budget; nothing was written."""

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def stored_image_bytes(sandbox: Sandbox) -> int:
    """What the sandbox's images take on disk now.

    Read from the files the sandbox's products point at (at most one per
    product), not kept as a running count: deleting a product, resetting
    the sandbox or a change in the admin frees its bytes at once, with no
    bookkeeping for any of them to forget.
    """
    storage = Product._meta.get_field("image").storage
    with_images = Product.objects.filter(sandbox=sandbox).exclude(image="")
    names = with_images.values_list("image", flat=True)
    total = 0
    for name in names:
        # A file already removed (by a delete's on_commit) holds nothing.
        with contextlib.suppress(OSError):
            total += storage.size(name)
    return total


def take_image_bytes(request: HttpRequest, sandbox: Sandbox, size: int) -> None:
    """Count an upload of ``size`` bytes against both storage budgets, or
    raise ``OverBudget`` and count nothing.

    Per sandbox: what it holds at once. Per client address: what it uploads
    in an hour, counted in the database like the rate limits, so a client
    that drops its cookie for a new sandbox each time is still bounded.
    """
    held, limit = stored_image_bytes(sandbox), settings.PLAYGROUND_IMAGE_BYTES_PER_SANDBOX
    if held + size > limit:
        raise OverBudget(
            f"This sandbox already holds {filesizeformat(held)} of images and this one is "
            f"{filesizeformat(size)}; a sandbox may hold {filesizeformat(limit)}. Delete a "
            "product that has an image, or start this lesson again, then try again."
        )
    verdict = ratelimit.take(
        f"image-bytes:{ratelimit.client_address(request)}",
        size,
        limit=settings.PLAYGROUND_IMAGE_BYTES_PER_HOUR,
        window=3600,
    )
    if not verdict.allowed:
        minutes = -(-verdict.retry_after // 60)
        raise OverBudget(
            f"Your address has uploaded {filesizeformat(verdict.hits)} of images this hour "
            f"and this one is {filesizeformat(size)}; the limit is "
            f"{filesizeformat(verdict.limit)} an hour. Try again in {minutes} "
            f"minute{pluralize(minutes)}.",
            retry_after=verdict.retry_after,
        )


def mark_seen(sandbox: Sandbox) -> None:
    # At most one write a minute: idle-sandbox purging needs only a rough time.
    now = timezone.now()
    if (now - sandbox.last_seen_at).total_seconds() > 60:
        Sandbox.objects.filter(pk=sandbox.pk).update(last_seen_at=now)


def reset(sandbox: Sandbox) -> None:
    """Restore the starting state: example records, empty log and outbox."""
    with transaction.atomic():
        # Ordinary deletes, so receivers clean up as usual (product images
        # leave storage). Nothing is recorded: a reset is not a lesson step,
        # and the log is emptied just below anyway.
        for model in (Product, Article, Tag):
            model.objects.filter(sandbox=sandbox).delete()
        OutboxEmail.objects.filter(sandbox=sandbox).delete()
        log.clear(sandbox)
        Sandbox.objects.filter(pk=sandbox.pk).update(fail_post_save=False, log_requests=False)
        seed(sandbox)
        log.touch(sandbox.pk)
