"""The fifteen playground scenarios, one per lesson, in lesson order.

A scenario says which records the panel shows, which actions it offers, and
which receivers in ``receivers.py`` are its own (they are highlighted in the
log; every connected receiver still runs, as in a real project).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scenario:
    slug: str
    title: str
    # What the live receivers do, in one or two sentences.
    summary: str
    # Record sections shown: "products", "reviews", "articles", "tags".
    records: tuple[str, ...]
    # Per-product buttons beyond edit and delete.
    product_actions: tuple[str, ...] = ()
    # Sandbox-level tools: "bulk", "lifecycle", "fail_switch", "request_log", "raise".
    tools: tuple[str, ...] = ()
    # Names of this scenario's receivers in playground.receivers.
    receivers: tuple[str, ...] = ()
    # Signals the "Who is listening?" panel opens with.
    signals: tuple[str, ...] = field(default=("post_save",))

    def has_switch(self, name: str) -> bool:
        """Does this scenario show the sandbox switch ``name``? (A switch
        acts only in its own scenario's sandbox, so only there.)"""
        return name in EVERY_SCENARIO_SWITCHES or SWITCH_TOOLS.get(name) in self.tools


# Each sandbox switch (services.SWITCHES), and the tool that shows it.
SWITCH_TOOLS = {"fail_post_save": "fail_switch", "log_requests": "request_log"}
# Switches every scenario's log shows.
EVERY_SCENARIO_SWITCHES = ("show_sql",)


SCENARIOS = (
    Scenario(
        "signals-101",
        "Signals 101",
        "One post_save receiver reports every Product save. Create or edit a product and "
        "watch the signal reach it.",
        records=("products",),
        receivers=("report_product_saved",),
    ),
    Scenario(
        "receivers",
        "Receivers",
        "Two receivers on Product's post_save: log_price, connected with @receiver, and "
        "log_stock, connected with post_save.connect(). They run in connection order.",
        records=("products",),
        receivers=("log_price", "log_stock"),
    ),
    Scenario(
        "senders",
        "Senders",
        "A Product-only receiver, a catch-all receiver with no sender, and one connected by "
        "the lazy string 'playground.Article'. Save an Article: the Product-only one stays "
        "silent.",
        records=("products", "articles"),
        receivers=("only_products", "any_model_saved", "article_saved_lazy_sender"),
    ),
    Scenario(
        "model-lifecycle",
        "The model lifecycle",
        "Receivers on pre_init, post_init and pre_save make every step visible, including "
        "the init pair Django sends for every row a list loads.",
        records=("products",),
        product_actions=("stock", "refresh"),
        tools=("lifecycle",),
        receivers=("product_init_started", "product_init_finished", "product_about_to_save"),
        signals=("pre_init", "post_init", "pre_save", "post_save"),
    ),
    Scenario(
        "post-save",
        "Reacting to post_save",
        "A new product e-mails the catalogue team (see the outbox); any save with stock "
        "under 5 raises a low-stock warning.",
        records=("products",),
        receivers=("email_new_product", "warn_low_stock"),
    ),
    Scenario(
        "pre-save",
        "Preparing data in pre_save",
        "pre_save fills an empty slug from the name, and compares the price with the stored "
        "row to report a price drop.",
        records=("products",),
        product_actions=("stock",),
        receivers=("fill_slug", "notice_price_drop"),
        signals=("pre_save",),
    ),
    Scenario(
        "delete-signals",
        "Delete signals",
        "Delete a product with reviews: the reviews' signals come first, in both phases. A "
        "product's image file leaves storage once the delete commits, and every deleted "
        "article is logged.",
        records=("products", "reviews", "articles"),
        product_actions=("review",),
        receivers=(
            "before_delete",
            "review_deleted",
            "delete_product_image",
            "log_article_deletion",
        ),
        signals=("pre_delete", "post_delete"),
    ),
    Scenario(
        "m2m-changed",
        "m2m_changed",
        "Add, remove, clear and set tags from the Article side or the Tag side, and compare "
        "action, reverse, model and pk_set.",
        records=("articles", "tags"),
        receivers=("tags_changed",),
        signals=("m2m_changed",),
    ),
    Scenario(
        "custom-signals",
        "Custom signals",
        "“View” sends product_viewed, and a receiver counts views. “Share” sends "
        "product_shared, which has a receiver that always fails: compare send() with "
        "send_robust().",
        records=("products",),
        product_actions=("view", "share"),
        receivers=("count_view", "record_share", "post_to_partner_feed", "thank_sharer"),
        signals=("product_viewed", "product_shared"),
    ),
    Scenario(
        "request-signals",
        "Request signals",
        "Switch on logging of your own requests to see request_started and request_finished "
        "(connection_created only when a request opens a database connection); the last "
        "button raises inside a view (got_request_exception).",
        records=("products",),
        tools=("request_log", "raise"),
        receivers=("request_began", "request_ended", "request_failed", "database_connected"),
        signals=("request_started", "request_finished", "got_request_exception"),
    ),
    Scenario(
        "transactions",
        "Signals and transactions",
        "A post_save receiver fails when you switch it on; an update e-mail is queued with "
        "transaction.on_commit(). Save with and without atomic() and compare what is kept.",
        records=("products",),
        product_actions=("atomic",),
        tools=("fail_switch",),
        receivers=("email_update_on_commit", "fail_on_demand"),
    ),
    Scenario(
        "async-signals",
        "Async signals",
        "An async view sends product_viewed with asend(): the sync count_view receiver runs "
        "first, then the async warm_recommendations.",
        records=("products",),
        product_actions=("view", "view_async"),
        receivers=("count_view", "warm_recommendations"),
        signals=("product_viewed",),
    ),
    Scenario(
        "gotchas",
        "When signals do not fire",
        "bulk_create(), bulk_update(), QuerySet.update() and QuerySet.delete() side by side: "
        "the log shows exactly what each one sent, often nothing.",
        records=("products",),
        tools=("bulk",),
        receivers=("audit_product_change",),
    ),
    Scenario(
        "testing-signals",
        "Testing signals",
        "A new review e-mails its author. The lesson's tests connect, mock and mute "
        "receivers like this one; the panel shows the command that runs them.",
        records=("products", "reviews"),
        product_actions=("review",),
        tools=("tests",),
        receivers=("email_review_author",),
    ),
    Scenario(
        "when-not-to-use",
        "When not to use signals",
        "Saving a review quietly recomputes its product's rating in a receiver: hidden "
        "control flow. “Who is listening?” lists every receiver of every signal the "
        "playground watches.",
        records=("products", "reviews"),
        product_actions=("review",),
        receivers=("refresh_product_rating",),
        signals=(
            "pre_init",
            "post_init",
            "pre_save",
            "post_save",
            "pre_delete",
            "post_delete",
            "m2m_changed",
            "product_viewed",
            "product_shared",
            "request_started",
            "request_finished",
            "got_request_exception",
            "connection_created",
        ),
    ),
)

BY_SLUG = {scenario.slug: scenario for scenario in SCENARIOS}


def get(slug: str) -> Scenario | None:
    return BY_SLUG.get(slug)
