"""Finding, creating and resetting a visitor's sandbox.

A sandbox is tied to the browser session: the session stores the sandbox's
id, the database stores everything else, so any worker process (or server)
can serve any request.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from playground import log, ratelimit
from playground.models import (
    Article,
    OutboxEmail,
    Product,
    Review,
    Sandbox,
    Tag,
)

SESSION_KEY = "playground_sandbox_id"

# The starting state of every sandbox, restored by "Reset sandbox".
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


def create_sandbox() -> Sandbox:
    with transaction.atomic():
        sandbox = Sandbox.objects.create()
        seed(sandbox)
    return sandbox


class RateLimited(Exception):
    """Too many sandboxes from one address, or too many actions in one."""

    def __init__(self, message: str, *, retry_after: int, sandbox: Sandbox | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.sandbox = sandbox


def sandbox_for(request: HttpRequest) -> Sandbox:
    """The visitor's sandbox, created (with example records) on first use."""
    sandbox_id = request.session.get(SESSION_KEY)
    sandbox = Sandbox.objects.filter(pk=sandbox_id).first() if sandbox_id else None
    if sandbox is None:
        # A client that drops its cookie gets a new sandbox every time;
        # limit how many one address may create.
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
        sandbox = create_sandbox()
        request.session[SESSION_KEY] = sandbox.pk
    else:
        mark_seen(sandbox)
    # For the request-logging middleware, which would otherwise read the
    # switch again after the view.
    request.playground_sandbox = sandbox
    return sandbox


def sandbox_for_action(request: HttpRequest) -> Sandbox:
    """``sandbox_for``, counting one action against the visitor's limit."""
    sandbox = sandbox_for(request)
    verdict = ratelimit.hit(
        f"actions:sandbox-{sandbox.pk}",
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
