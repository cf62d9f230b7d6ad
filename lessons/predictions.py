"""Predict exercises: the learner lists the signals an action will send, in
order, then the action runs and its real log is compared with the list.

A predict exercise names a *move*: one playground action, labelled, run and
logged exactly as its button in the playground does it
(``playground.actions`` and ``playground.performing``). What the action needs
is made first, quietly: ``bulk_create()`` sends no signals, so none of that
appears in the log, and the entry shows only the action the learner predicted.
The test suite proves that every exercise's answer is what its move sends.
"""

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from playground import actions, services
from playground.models import Article, LogEntry, Product, Review, Sandbox, Tag
from playground.performing import Outcome, perform

# A step of a prediction: the signal, and what tells its sends apart in the
# log: the sender's model, or, for m2m_changed, its action.
STEP_SEPARATOR = " · "


def step_of(event: dict) -> str:
    """A stored log event as a prediction step: ``pre_save · Product``,
    ``m2m_changed · pre_add``."""
    if event["signal"] == "m2m_changed":
        action = dict(event["arguments"]).get("action", "").strip("'")
        return f"m2m_changed{STEP_SEPARATOR}{action}"
    return f"{event['signal']}{STEP_SEPARATOR}{event['sender']}"


# --- Moves --------------------------------------------------------------------


def _product(sandbox: Sandbox, name: str) -> Product:
    """The sandbox's product called ``name``, made quietly if it is gone."""
    product = Product.objects.filter(sandbox=sandbox, name=name).order_by("pk").first()
    if product is None:
        Product.objects.bulk_create(
            [Product(sandbox=sandbox, name=name, price=Decimal("10.00"), stock=10)]
        )
        product = Product.objects.filter(sandbox=sandbox, name=name).order_by("pk").first()
    return product


def _tags(sandbox: Sandbox, names: list[str]) -> list[Tag]:
    missing = set(names) - set(
        Tag.objects.filter(sandbox=sandbox, name__in=names).values_list("name", flat=True)
    )
    Tag.objects.bulk_create(Tag(sandbox=sandbox, name=name) for name in sorted(missing))
    by_name = {tag.name: tag for tag in Tag.objects.filter(sandbox=sandbox, name__in=names)}
    return [by_name[name] for name in names]


def _act(act: actions.Act, target, data: dict) -> tuple[str, Callable[[], Any]]:
    return act.label(target, data), lambda: act.run(target, data)


def create_product(sandbox: Sandbox):
    data = {"name": "Travel mug", "price": Decimal("12.00"), "stock": 8}
    return _act(actions.SANDBOX_ACTIONS["product-create"], sandbox, data)


def get_or_create_existing(sandbox: Sandbox):
    _product(sandbox, "Notebook")
    return _act(actions.SANDBOX_ACTIONS["product-get-or-create"], sandbox, {"name": "Notebook"})


def save_stock_only(sandbox: Sandbox):
    product = _product(sandbox, "Desk lamp")
    return _act(actions.PRODUCT_ACTIONS["stock"], product, {"stock": 2})


def delete_product_with_review(sandbox: Sandbox):
    services.check_room(Product, sandbox)
    services.check_room(Review, sandbox)
    [product] = Product.objects.bulk_create(
        [Product(sandbox=sandbox, name="Travel mug", price=Decimal("12.00"), stock=8)]
    )
    Review.objects.bulk_create([Review(sandbox=sandbox, product=product, author="Ada", rating=4)])
    product = Product.objects.get(pk=product.pk)
    return _act(actions.PRODUCT_ACTIONS["delete"], product, {})


def set_article_tags(sandbox: Sandbox):
    """An article tagged django and signals whose tags are set to [orm]."""
    services.check_room(Article, sandbox)
    django, signals, orm = _tags(sandbox, ["django", "signals", "orm"])
    [article] = Article.objects.bulk_create(
        [Article(sandbox=sandbox, title="Predicted", body="Tags set by a prediction.")]
    )
    links = Article.tags.through
    links.objects.bulk_create(links(article=article, tag=tag) for tag in (django, signals))
    article = Article.objects.get(pk=article.pk)
    label = actions.link_label(article, "set", [orm])
    return label, lambda: services.change_links(
        manager=article.tags, operation="set", targets=[orm]
    )


def bulk_create_two(sandbox: Sandbox):
    return _act(actions.SANDBOX_ACTIONS["bulk-create"], sandbox, {"count": 2})


def queryset_update(sandbox: Sandbox):
    _product(sandbox, "Notebook")
    return _act(actions.SANDBOX_ACTIONS["queryset-update"], sandbox, {"amount": 1})


def share_robustly(sandbox: Sandbox):
    product = _product(sandbox, "Notebook")
    return _act(actions.PRODUCT_ACTIONS["share-robust"], product, {})


def review_a_product(sandbox: Sandbox):
    product = _product(sandbox, "Fountain pen")
    return _act(actions.PRODUCT_ACTIONS["review"], product, {"author": "Mia", "rating": 2})


@dataclass(frozen=True)
class Move:
    # What the learner would do in the playground, as the form names it.
    button: str
    # sandbox -> (the log entry's label, the action): makes what it needs first.
    prepare: Callable[[Sandbox], tuple[str, Callable[[], Any]]]


MOVES = {
    "create-product": Move("Create a product", create_product),
    "get-or-create-existing": Move("get_or_create() an existing product", get_or_create_existing),
    "save-stock-only": Move("Save only the stock", save_stock_only),
    "delete-product-with-review": Move(
        "Delete a product with one review", delete_product_with_review
    ),
    "set-article-tags": Move("Set an article's tags", set_article_tags),
    "bulk-create-two": Move("bulk_create() two products", bulk_create_two),
    "queryset-update": Move("QuerySet.update() every stock", queryset_update),
    "share-robustly": Move("Share with send_robust()", share_robustly),
    "review-a-product": Move("Add a review", review_a_product),
}


def make_move(sandbox: Sandbox, move: str) -> Outcome:
    """Do ``move`` in ``sandbox`` as one logged playground action."""
    try:
        label, call = MOVES[move].prepare(sandbox)
    except services.Refused as refusal:
        return Outcome(error=str(refusal), status=refusal.status, refused=True)
    return perform(sandbox, label, call, scenario=sandbox.scenario)


# --- Comparing ------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    # "missing": sent, not predicted; "extra": predicted, not sent;
    # "moved": both, at other steps. ``step`` is the log's step, or the
    # prediction's for "extra"; ``predicted_step`` the prediction's for "moved".
    kind: str
    step: int
    choice: str
    why: str
    predicted_step: int = 0

    @property
    def sentence(self) -> str:
        if self.kind == "missing":
            return (
                f"Step {self.step} of the log is {self.choice}; your prediction does not have it."
            )
        if self.kind == "moved":
            return (
                f"{self.choice} is step {self.step} of the log; you predicted it as step "
                f"{self.predicted_step}."
            )
        return f"You predicted {self.choice} as step {self.step}; it was not sent."


@dataclass(frozen=True)
class Comparison:
    predicted: list[str]
    sent: list[str]
    differences: list[Difference]
    # Each predicted step, and the log's step it lines up with (None: none).
    marked: list[tuple[str, int | None]]

    @property
    def right(self) -> bool:
        return self.predicted == self.sent


def compare(predicted: list[str], sent: list[str], explanations: dict[str, str]) -> Comparison:
    """Line the prediction up with what was sent, and explain each step that
    differs with the exercise's sentence for that choice."""
    differences, missing, extra = [], [], []
    matched: list[int | None] = [None] * len(predicted)
    matcher = difflib.SequenceMatcher(a=predicted, b=sent, autojunk=False)
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            matched[a_start:a_end] = range(b_start + 1, b_end + 1)
            continue
        missing.extend(range(b_start, b_end))
        extra.extend(range(a_start, a_end))
    # A step predicted at the wrong place is one difference, not two.
    for index in missing:
        choice = sent[index]
        moved = next((other for other in extra if predicted[other] == choice), None)
        if moved is None:
            differences.append(
                Difference("missing", index + 1, choice, explanations.get(choice, ""))
            )
        else:
            extra.remove(moved)
            why = explanations.get(choice, "")
            differences.append(Difference("moved", index + 1, choice, why, moved + 1))
    for index in extra:
        choice = predicted[index]
        differences.append(Difference("extra", index + 1, choice, explanations.get(choice, "")))
    return Comparison(predicted, sent, differences, list(zip(predicted, matched, strict=True)))


def sent_steps(entry: LogEntry | None) -> list[str]:
    return [step_of(event) for event in (entry.events if entry else [])]


def check_prediction(sandbox: Sandbox, prediction, steps: list[str]) -> tuple[Outcome, Comparison]:
    """Make the prediction's move in ``sandbox`` and compare what it sent
    with ``steps``. The outcome says when the move could not be made."""
    outcome = make_move(sandbox, prediction.move)
    if not outcome.error and outcome.entry is None:
        outcome.error = "Your playground was reset meanwhile, so nothing was logged. Try again."
    sent = sent_steps(outcome.entry)
    return outcome, compare(steps, sent, prediction.choices)
