"""The playground's models: sandboxes, the records learners play with, and
the stored signal log.

The sandbox models (``Product``, ``Review``, ``Article``, ``Tag``) are plain
Django models on purpose: none overrides ``save()`` or ``delete()``, so the
only code that runs around a save is what Django itself does and the
receivers in ``receivers.py``. What the log shows is pure signal order.
"""

import secrets
from decimal import Decimal
from pathlib import PurePath

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Round

MAX_RECORDS_PER_MODEL = 100

# The largest numbers the sandbox models hold. Forms and services refuse
# anything beyond them with a message; the check constraints below make the
# database refuse it too, so no code path (QuerySet.update(), bulk_update(),
# raw SQL) can store a value that later reads cannot handle.
MAX_PRICE = Decimal("999999.99")  # max_digits=8, decimal_places=2
MAX_STOCK = 1_000_000
MAX_VIEWS = 2**31 - 1  # PostgreSQL's integer, so SQLite holds no more than it
RATINGS = (1, 5)


class Visitor(models.Model):
    """One browser, known by its session: the owner of a sandbox per scenario.

    Limits that must hold whatever the learner opens (actions a minute, the
    image budget) count per visitor, across their sandboxes.
    """

    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Visitor {self.pk}"


class Sandbox(models.Model):
    """One visitor's private copy of one scenario's playground.

    Created with the scenario's example records the first time the visitor
    opens it, so each lesson starts from its own data whatever the learner
    did in the others. Every record and every logged event belongs to
    exactly one sandbox.
    """

    # Null for a sandbox made outside a visit (the shell, tests).
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, null=True, blank=True, related_name="sandboxes"
    )
    scenario = models.SlugField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Bumped whenever the sandbox's records or log change, so a page can ask
    # "anything new since version N?" with one indexed read.
    version = models.PositiveBigIntegerField(default=0)
    # Switches a learner flips in the scenarios.
    fail_post_save = models.BooleanField(
        default=False, help_text="Transactions scenario: a post_save receiver raises."
    )
    log_requests = models.BooleanField(
        default=False, help_text="Request signals scenario: log this visitor's own requests."
    )
    show_sql = models.BooleanField(
        default=True, help_text="Every scenario: show the database's statements in the log."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "scenario"], name="one_sandbox_per_visitor_and_scenario"
            )
        ]

    def __str__(self):
        return f"Sandbox {self.pk}" + (f" ({self.scenario})" if self.scenario else "")


class SandboxRecord(models.Model):
    """Base for every model a learner creates, edits and deletes."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


# The only suffixes an uploaded image is stored with: the form names each
# upload after the format Pillow detected in it (forms.ProductImageField).
IMAGE_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}


def product_image_path(instance, filename):
    """A random name in the sandbox's folder, with the image's own suffix.

    Media URLs are public, so the name must not be guessable; the visitor's
    file name (any length, any characters) never becomes a path. The folder
    per sandbox is what purging a sandbox removes.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix not in IMAGE_SUFFIXES.values():
        suffix = ""
    return f"playground/sandbox-{instance.sandbox_id}/{secrets.token_hex(16)}{suffix}"


class Product(SandboxRecord):
    """A shop product: the model most lessons use."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=100, blank=True)
    price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(MAX_PRICE)],
    )
    stock = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(MAX_STOCK)])
    image = models.ImageField(upload_to=product_image_path, blank=True)
    # Counted by the receiver of the custom ``product_viewed`` signal.
    views = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0, price__lte=MAX_PRICE),
                name="product_price_fits",
                violation_error_message=f"A price is between 0.00 and {MAX_PRICE}.",
            ),
            # SQLite keeps whatever it is given; a third decimal would break
            # every later read of the row (and PostgreSQL rounds it anyway).
            models.CheckConstraint(
                condition=Q(price=Round("price", 2)),
                name="product_price_in_cents",
                violation_error_message="A price has at most two decimal places.",
            ),
            models.CheckConstraint(
                condition=Q(stock__gte=0, stock__lte=MAX_STOCK),
                name="product_stock_fits",
                violation_error_message=f"Stock is between 0 and {MAX_STOCK}.",
            ),
            models.CheckConstraint(
                condition=Q(views__gte=0, views__lte=MAX_VIEWS),
                name="product_views_fit",
                violation_error_message=f"Views are between 0 and {MAX_VIEWS}.",
            ),
        ]

    def __str__(self):
        return self.name


class Review(SandboxRecord):
    """A review of a product; deleted with it (``on_delete=CASCADE``)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    author = models.CharField(max_length=60)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(RATINGS[0]), MaxValueValidator(RATINGS[1])]
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__range=RATINGS),
                name="review_rating_fits",
                violation_error_message="A rating is between 1 and 5.",
            ),
        ]

    def __str__(self):
        return f"{self.author} on {self.product.name}" if self.product_id else self.author


class Tag(SandboxRecord):
    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class Article(SandboxRecord):
    """A blog article; its tags are a many-to-many relation."""

    title = models.CharField(max_length=120)
    body = models.TextField(max_length=2000, blank=True)
    tags = models.ManyToManyField(Tag, related_name="articles", blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title


class OutboxEmail(models.Model):
    """An e-mail a receiver "sent": kept per sandbox and shown on the page."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    to = models.CharField(max_length=120)
    subject = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return self.subject


class LogEntry(models.Model):
    """One entry of a sandbox's signal log: an action that happened to the
    sandbox, with the signals it caused.

    "Updated Product 'Pen'", "QuerySet.update() on 3 products", or a change
    made in the admin. An action that sent no signal is stored too, so the
    log can say so.
    """

    # No index of its own: the (sandbox, -id) index below serves every
    # lookup by sandbox, and each index is one more page written per entry.
    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    label = models.CharField(max_length=300)
    scenario = models.CharField(max_length=40, blank=True)
    # What the learner should notice, e.g. "QuerySet.update(): no signals sent".
    note = models.CharField(max_length=300, blank=True)
    # The exception that ended the action, if any, as "ValueError: message".
    error = models.TextField(blank=True)
    # Every signal sent during the action, in order, as the recorder saw it:
    # [{"position": 1, "depth": 0, "signal": "post_save", "sender": "Product",
    #   "arguments": [["created", "True"], ...],
    #   "receivers": [{"name": "playground.receivers.x", "result": "...",
    #                  "error": "", "ms": 0.12}, ...]}, ...]
    # Kept in the entry's own row: one INSERT writes an entry whole, with
    # nothing half-written between statements, and one SELECT reads the log.
    events = models.JSONField(default=list)
    # What the database did meanwhile (playground.sql_log.DatabaseStep):
    # [{"kind": "sql", "text": "INSERT ...", "after": 2, "depth": 0, "ms": 0.1,
    #   "result": "", "error": ""}, ...]; "after" is how many events came first.
    database = models.JSONField(default=list)
    event_count = models.PositiveIntegerField(default=0)  # len(events), for trimming

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["sandbox", "-id"])]
        verbose_name_plural = "log entries"

    def __str__(self):
        return self.label

    def timeline(self) -> list[dict]:
        """The events and the database's steps in one list, in the order they
        happened: each step goes after the events sent before it. Each item
        has its ``kind``: "signal", "sql", "transaction" or "on_commit"."""
        steps = iter(self.database)
        step = next(steps, None)
        items = []
        for done, event in enumerate([*self.events, None]):
            while step is not None and step["after"] <= done:
                items.append(step)
                step = next(steps, None)
            if event is not None:
                items.append({"kind": "signal", **event})
        return items


class RateWindow(models.Model):
    """Hits counted for one key in one fixed time window.

    Rate limits live in the database, like everything else per visitor, so
    they hold across worker processes and servers.
    """

    key = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="one_window_per_key")
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self):
        return f"{self.key} @ {self.window_start:%H:%M:%S}: {self.hits}"
