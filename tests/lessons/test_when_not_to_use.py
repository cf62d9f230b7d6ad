"""Proves the claims of lesson 15, When not to use signals (lessons/content/when-not-to-use.md)."""

import re
import traceback
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db.models.signals import post_save
from django.tasks.signals import task_enqueued, task_finished

from lessons.examples.testing_signals import collect, muted
from lessons.examples.when_not_to_use import (
    rating_summary,
    refresh_rating,
    review_create_and_rate,
    review_create_then_rate_later,
)
from playground import actions, inspector, scenarios, services
from playground.models import Product, Review
from playground.performing import perform
from playground.receivers import refresh_product_rating
from playground.recording import live_receivers
from playground.sandboxes import create_sandbox
from tests.playground.logged import last_action

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "lessons" / "content" / "when-not-to-use.md"
NOTEBOOK_AFTER_ANN = "'Notebook' now averages 3.0 from 2 reviews"


def fresh_notebook() -> Product:
    """The example product "Notebook" (one 4-star review, by Grace) in a new sandbox."""
    return Product.objects.get(sandbox=create_sandbox(), name="Notebook")


@pytest.fixture
def notebook(db) -> Product:
    return fresh_notebook()


def add_review_as_the_panel_does(product, *, scenario="when-not-to-use"):
    """Perform the "Add review" action (Your name: Ann, Rating: 2) and return its log."""
    act = actions.PRODUCT_ACTIONS["review"]
    data = {"author": "Ann", "rating": 2}
    perform(
        product.sandbox, act.label(product, data), lambda: act.run(product, data), scenario=scenario
    )
    return last_action(product.sandbox)


def post_save_results(logged) -> list[tuple[str, str]]:
    event = logged.events[3]
    assert (event.signal, event.sender) == ("post_save", "Review")
    return [(run["name"].rsplit(".", 1)[1], run["result"]) for run in event.receivers]


# -- Hidden control flow --------------------------------------------------------


def test_saving_a_review_quietly_recomputes_the_rating(notebook):
    logged = add_review_as_the_panel_does(notebook)

    assert logged.entry.label == "Added a review of Product 'Notebook'"
    assert post_save_results(logged) == [
        ("any_model_saved", "heard a save from Review"),
        ("email_review_author", "thanked the reviewer by e-mail"),
        ("refresh_product_rating", NOTEBOOK_AFTER_ANN),
    ]


def test_review_create_returns_only_the_review(notebook):
    review = services.review_create(product=notebook, author="Ann", rating=2)

    assert isinstance(review, Review)


# -- Harder debugging -------------------------------------------------------------


def test_a_receivers_error_surfaces_from_save_through_the_dispatcher(notebook):
    def broken(sender, **kwargs):
        raise ZeroDivisionError("division by zero")

    post_save.connect(broken, sender=Review, weak=False)
    try:
        with pytest.raises(ZeroDivisionError) as error:
            services.review_create(product=notebook, author="Ann", rating=2)
    finally:
        assert post_save.disconnect(broken, sender=Review) is True

    frames = traceback.extract_tb(error.tb)
    assert [frame.name for frame in frames] == [
        "test_a_receivers_error_surfaces_from_save_through_the_dispatcher",
        "review_create",
        "manager_method",
        "create",
        "save",
        "save_base",
        "send",
        "broken",
    ]
    assert frames[6].filename.endswith("django/dispatch/dispatcher.py")


# -- Ordering coupling -------------------------------------------------------------


def test_review_receivers_run_in_the_order_receivers_py_connects_them():
    sync_receivers, async_receivers = live_receivers(post_save, Review)

    assert [f"{r.__module__}.{r.__name__}" for r in sync_receivers] == [
        "playground.recording.observe",
        "playground.receivers.any_model_saved",
        "playground.receivers.email_review_author",
        "playground.receivers.refresh_product_rating",
    ]
    assert async_receivers == []


# -- Transactions --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # autocommit, as in a view without atomic()
def test_a_late_failure_in_autocommit_leaves_the_work_half_done(mailoutbox):
    notebook = fresh_notebook()

    def failing(sender, **kwargs):
        raise RuntimeError("rating service down")

    post_save.connect(failing, sender=Review, weak=False)
    try:
        with pytest.raises(RuntimeError, match=r"^rating service down$"):
            services.review_create(product=notebook, author="Ann", rating=2)
    finally:
        assert post_save.disconnect(failing, sender=Review) is True

    assert list(Review.objects.filter(product=notebook).values_list("author", flat=True)) == [
        "Grace",
        "Ann",
    ]
    assert [email.subject for email in mailoutbox] == ["Thanks for reviewing Notebook"]


# -- The explicit service --------------------------------------------------------------


def test_rating_summary_is_a_plain_function(notebook):
    assert rating_summary(notebook) == "'Notebook' now averages 4.0 from 1 review"


def test_rating_summary_of_a_product_without_reviews(notebook):
    lamp = Product.objects.get(sandbox_id=notebook.sandbox_id, name="Desk lamp")

    assert rating_summary(lamp) == "'Desk lamp' has no reviews yet"


def test_the_service_gives_the_same_result_as_the_receiver(db):
    through_the_signal = post_save_results(add_review_as_the_panel_does(fresh_notebook()))[-1]

    with muted(post_save, refresh_product_rating, sender=Review):
        review, summary = review_create_and_rate(product=fresh_notebook(), author="Ann", rating=2)

    assert through_the_signal == ("refresh_product_rating", NOTEBOOK_AFTER_ANN)
    assert summary == NOTEBOOK_AFTER_ANN
    assert (review.author, review.rating, review.product.name) == ("Ann", 2, "Notebook")


# -- on_commit and tasks ----------------------------------------------------------------


def test_the_task_is_queued_only_when_the_transaction_commits(
    notebook, django_capture_on_commit_callbacks
):
    with (
        collect(task_enqueued) as enqueued,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        review_create_then_rate_later(product=notebook, author="Ann", rating=2)

    assert len(callbacks) == 1
    assert enqueued == []


def test_on_commit_the_task_runs_and_returns_the_same_sentence(
    notebook, django_capture_on_commit_callbacks
):
    with (
        collect(task_finished) as finished,
        django_capture_on_commit_callbacks(execute=True),
    ):
        review_create_then_rate_later(product=notebook, author="Ann", rating=2)

    assert [sent["task_result"].return_value for sent in finished] == [NOTEBOOK_AFTER_ANN]


def test_the_default_task_backend_runs_the_task_inline(notebook):
    result = refresh_rating.enqueue(notebook.pk)

    assert result.return_value == "'Notebook' now averages 4.0 from 1 review"


# -- Overriding save() -------------------------------------------------------------------


@pytest.mark.django_db
def test_djangos_user_save_tells_the_validators_about_a_new_password():
    user = User(username="anne")
    user.set_password("correct horse battery")

    with mock.patch("django.contrib.auth.password_validation.password_changed") as changed:
        user.save()
        user.save()

    changed.assert_called_once_with("correct horse battery", user)


@pytest.mark.django_db
def test_bulk_writes_skip_an_overridden_save():
    with mock.patch("django.contrib.auth.base_user.AbstractBaseUser.save") as save:
        [anne] = User.objects.bulk_create([User(username="anne")])
        anne.first_name = "Anne"
        assert User.objects.bulk_update([anne], ["first_name"]) == 1
        assert User.objects.filter(username="anne").update(last_name="Lee") == 1

    assert save.call_count == 0
    assert User.objects.values_list("username", "first_name", "last_name").get() == (
        "anne",
        "Anne",
        "Lee",
    )


# -- Try it: "Who is listening?" ------------------------------------------------------------


def test_try_it_who_is_listening_lists_every_post_save_receiver():
    scenario = scenarios.get("when-not-to-use")
    listening = inspector.listeners("post_save")
    rows = [(listener.name, listener.sender) for listener in listening.listeners]

    assert scenario.receivers == ("refresh_product_rating",)
    assert len(scenario.signals) == 13
    assert rows[:5] == [
        ("playground.recording.observe", sender)
        for sender in ("Product", "Review", "Article", "Tag", "Article_tags")
    ]
    assert all(listener.is_recorder for listener in listening.listeners[:5])
    assert rows[-3:] == [
        ("playground.receivers.audit_product_change", "Product"),
        ("playground.receivers.email_review_author", "Review"),
        ("playground.receivers.refresh_product_rating", "Review"),
    ]
    assert ("playground.receivers.any_model_saved", "any sender") in rows


def test_a_task_refuses_arguments_that_are_not_json(notebook):
    with pytest.raises(TypeError):
        refresh_rating.enqueue(notebook)


# -- The lesson's own text -----------------------------------------------------------


def test_fenced_snippets_labelled_with_a_file_match_that_file():
    text = LESSON.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# (lessons/\S+\.py)\n(.*?)```", text, re.DOTALL)

    assert [name for name, _ in blocks] == ["lessons/examples/when_not_to_use.py"]
    for name, body in blocks:
        assert body in (ROOT / name).read_text(encoding="utf-8")
