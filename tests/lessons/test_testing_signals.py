"""Proves the claims of lesson 14, Testing signals (lessons/content/testing-signals.md)."""

import re
from decimal import Decimal
from pathlib import Path
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db.models.signals import post_save
from django.dispatch import Signal
from django.urls import reverse

from lessons.examples.testing_signals import collect, muted
from playground import actions, scenarios, services
from playground.models import OutboxEmail, Product, Review
from playground.performing import perform
from playground.receivers import email_review_author, refresh_product_rating
from playground.recording import live_receivers
from playground.sandboxes import create_sandbox
from tests.playground.logged import last_action
from tests.receiver_guard import leaks, snapshot

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "lessons" / "content" / "testing-signals.md"


@pytest.fixture
def notebook(db) -> Product:
    """The example product "Notebook" (one review, by Grace) in a fresh sandbox."""
    return Product.objects.get(sandbox=create_sandbox(), name="Notebook")


def sent(mailoutbox) -> list[tuple[list[str], str, str]]:
    """Each message in Django's test outbox as (to, subject, body), oldest first."""
    return [(email.to, email.subject, email.body) for email in mailoutbox]


THANKS_ANN = (["ann-lee@example.com"], "Thanks for reviewing Notebook", "You gave it 2 out of 5.")


# -- Where e-mail goes in a test -------------------------------------------------


def test_under_test_django_swaps_the_mailer_for_locmem(mailoutbox):
    assert isinstance(mail.mailers.default, locmem.EmailBackend)
    assert mailoutbox is mail.outbox
    assert mailoutbox == []


# -- Test the receiver as a plain function -------------------------------------


def test_call_the_receiver_directly(notebook, mailoutbox):
    review = Review.objects.get(product=notebook, author="Grace")

    result = email_review_author(sender=Review, instance=review, created=True)

    assert result == "thanked the reviewer by e-mail"
    [email] = mailoutbox
    assert email.to == ["grace@example.com"]
    assert email.subject == "Thanks for reviewing Notebook"
    assert email.body == "You gave it 4 out of 5."


def test_called_directly_with_created_false_it_sends_nothing(notebook, mailoutbox):
    review = Review.objects.get(product=notebook, author="Grace")

    assert email_review_author(sender=Review, instance=review, created=False) == "not a new review"
    assert mailoutbox == []


# -- A collector receiver -------------------------------------------------------


def test_collect_records_exactly_what_post_save_sends(notebook):
    with collect(post_save, sender=Review) as sent:
        review = services.review_create(product=notebook, author="Ann Lee", rating=2)

    assert sent == [
        {
            "signal": post_save,
            "sender": Review,
            "instance": review,
            "created": True,
            "update_fields": None,
            "raw": False,
            "using": "default",
        }
    ]


def test_collect_disconnects_even_when_the_block_fails():
    signal = Signal()

    with pytest.raises(AssertionError), collect(signal) as sent:
        signal.send(sender=None, order_id=7)
        raise AssertionError("a failing assertion inside the block")

    assert sent == [{"signal": signal, "sender": None, "order_id": 7}]
    assert signal.receivers == []


# -- A mock receiver ------------------------------------------------------------


def test_mock_receiver(notebook):
    handler = mock.Mock()
    post_save.connect(handler, sender=Review)
    try:
        review = services.review_create(product=notebook, author="Ann Lee", rating=2)
    finally:
        assert post_save.disconnect(handler, sender=Review) is True

    handler.assert_called_once_with(
        signal=post_save,
        sender=Review,
        instance=review,
        created=True,
        update_fields=None,
        raw=False,
        using="default",
    )


def test_assert_called_once_with_fails_when_a_keyword_is_left_out(notebook):
    handler = mock.Mock()
    post_save.connect(handler, sender=Review)
    try:
        review = services.review_create(product=notebook, author="Ann Lee", rating=2)
    finally:
        post_save.disconnect(handler, sender=Review)

    with pytest.raises(AssertionError):
        handler.assert_called_once_with(sender=Review, instance=review, created=True)


def test_the_debug_kwargs_check_accepts_a_mock(settings):
    settings.DEBUG = True
    signal = Signal()
    handler = mock.Mock(return_value="handled")

    signal.connect(handler)
    try:
        assert signal.send(sender=None) == [(handler, "handled")]
    finally:
        assert signal.disconnect(handler) is True


# -- Callbacks registered with transaction.on_commit() --------------------------


def update_notebook(product):
    return services.product_update(
        product=product, name="Notebook", price=Decimal("6.50"), stock=40
    )


UPDATED_NOTEBOOK = (
    ["shop@example.com"],
    "Updated: Notebook",
    "Notebook now costs 6.50, 40 in stock.",
)


def test_in_a_db_test_on_commit_callbacks_never_run(notebook, mailoutbox):
    # `db` wraps the test in a transaction that is rolled back, never committed.
    update_notebook(notebook)

    assert mailoutbox == []


def test_capture_on_commit_callbacks_without_running_them(
    notebook, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        update_notebook(notebook)

    assert len(callbacks) == 1
    assert mailoutbox == []

    callbacks[0]()
    assert sent(mailoutbox) == [UPDATED_NOTEBOOK]


def test_capture_on_commit_callbacks_and_run_them(
    notebook, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_notebook(notebook)

    assert len(callbacks) == 1
    [email] = mailoutbox
    assert email.to == ["shop@example.com"]
    assert email.subject == "Updated: Notebook"


@pytest.mark.django_db(transaction=True)  # autocommit: each save commits at once
def test_in_a_transactional_test_autocommit_runs_them_at_once(mailoutbox):
    product = Product.objects.get(sandbox=create_sandbox(), name="Notebook")

    update_notebook(product)

    assert sent(mailoutbox) == [UPDATED_NOTEBOOK]


# -- Muting a signal ------------------------------------------------------------


def test_muted_disconnects_for_the_block_and_reconnects_after(notebook):
    sandbox = notebook.sandbox
    label = "test: a review while refresh_product_rating is muted"

    with muted(post_save, refresh_product_rating, sender=Review):
        perform(
            sandbox,
            label,
            lambda: services.review_create(product=notebook, author="Ann", rating=2),
        )
    during = last_action(sandbox)
    perform(
        sandbox, "after", lambda: services.review_create(product=notebook, author="Bo", rating=5)
    )
    after = last_action(sandbox)

    assert [run["name"] for run in during.events[3].receivers] == [
        "playground.receivers.any_model_saved",
        "playground.receivers.email_review_author",
    ]
    assert [run["name"] for run in after.events[3].receivers] == [
        "playground.receivers.any_model_saved",
        "playground.receivers.email_review_author",
        "playground.receivers.refresh_product_rating",
    ]


def test_muted_reconnects_at_the_end_of_the_list():
    signal = Signal()

    def first(**kwargs):
        return "first"

    def second(**kwargs):
        return "second"

    signal.connect(first, weak=False)
    signal.connect(second, weak=False)
    try:
        with muted(signal, first, weak=False):
            assert signal.send(sender=None) == [(second, "second")]
        assert signal.send(sender=None) == [(second, "second"), (first, "first")]
    finally:
        signal.disconnect(first)
        signal.disconnect(second)


def test_muted_refuses_a_receiver_that_is_not_connected_that_way():
    with pytest.raises(LookupError), muted(post_save, email_review_author):
        pass  # connected with sender=Review, so no registration without it

    assert post_save.disconnect(email_review_author) is False


def test_patching_receivers_with_an_empty_list_mutes_the_whole_signal(notebook, mailoutbox):
    # A first send fills the signal's per-sender cache; the patch works anyway.
    services.review_create(product=notebook, author="Ann Lee", rating=2)

    with mock.patch.object(post_save, "receivers", []):
        services.review_create(product=notebook, author="Bo", rating=5)
        assert post_save.send(sender=Review, instance=None, created=True) == []

    assert sent(mailoutbox) == [THANKS_ANN]
    services.review_create(product=notebook, author="Cy", rating=3)
    assert [email.to for email in mailoutbox] == [["ann-lee@example.com"], ["cy@example.com"]]


def test_muted_refuses_a_lazy_string_sender_and_leaves_the_receiver_connected(notebook, mailoutbox):
    with (
        pytest.raises(TypeError),
        muted(post_save, email_review_author, sender="playground.Review"),
    ):
        pass

    services.review_create(product=notebook, author="Ann Lee", rating=2)
    assert sent(mailoutbox) == [THANKS_ANN]


# -- mock.patch of a connected receiver does nothing ----------------------------


def test_patching_a_connected_receiver_does_not_stop_it(notebook, mailoutbox):
    with mock.patch("playground.receivers.email_review_author") as fake:
        services.review_create(product=notebook, author="Ann Lee", rating=2)

    assert fake.call_count == 0
    assert [email.subject for email in mailoutbox] == ["Thanks for reviewing Notebook"]


def test_the_signal_still_holds_the_original_function(notebook):
    with (
        mock.patch("playground.receivers.email_review_author") as fake,
        collect(post_save, sender=Review),
    ):
        responses = post_save.send(sender=Review, instance=notebook.reviews.get(), created=False)

    called = [receiver for receiver, _ in responses]
    assert email_review_author in called
    assert fake not in called


def test_patch_what_the_receiver_calls_to_make_it_fail(notebook, mailoutbox):
    down = SMTPException("the mail server is down")

    with (
        mock.patch("playground.receivers.send_mail", side_effect=down) as send_mail,
        pytest.raises(SMTPException),
    ):
        services.review_create(product=notebook, author="Ann Lee", rating=2)

    send_mail.assert_called_once()
    assert mailoutbox == []
    # The review was saved before its receiver failed: no atomic() around it.
    assert notebook.reviews.filter(author="Ann Lee").exists()


# -- A guard against leaked receivers -------------------------------------------


def forgotten_receiver(sender, **kwargs):
    """Connected by the guard test below, as a test that forgets to disconnect would."""


def test_the_guard_names_a_receiver_left_connected():
    before = snapshot()
    post_save.connect(forgotten_receiver, sender=Review)
    try:
        found = leaks(before, snapshot())
    finally:
        assert post_save.disconnect(forgotten_receiver, sender=Review) is True

    assert found == [
        "django.db.models.signals.post_save: "
        "tests.lessons.test_testing_signals.forgotten_receiver (x1)"
    ]
    assert leaks(before, snapshot()) == []


def test_the_guard_sees_a_muted_receiver_come_back():
    before = snapshot()

    with muted(post_save, refresh_product_rating, sender=Review):
        missing = leaks(snapshot(), before)

    assert missing == [
        "django.db.models.signals.post_save: playground.receivers.refresh_product_rating (x1)"
    ]
    assert leaks(before, snapshot()) == []


def review_post_save_receivers() -> list[str]:
    return [receiver.__name__ for receiver in live_receivers(post_save, Review)[0]]


def test_the_guard_ignores_a_changed_order():
    original = review_post_save_receivers()
    before = snapshot()

    with muted(post_save, email_review_author, sender=Review):
        pass
    moved = review_post_save_receivers()
    found = leaks(before, snapshot())
    # Put the playground back as it was: muting the last one moves it behind.
    with muted(post_save, refresh_product_rating, sender=Review):
        pass

    assert original[-2:] == ["email_review_author", "refresh_product_rating"]
    assert moved[-2:] == ["refresh_product_rating", "email_review_author"]
    assert found == []
    assert review_post_save_receivers() == original


# -- Try it ---------------------------------------------------------------------


def test_try_it_adding_a_review_sends_the_init_and_save_pairs_and_an_email(
    notebook, sandbox_outbox
):
    sandbox = notebook.sandbox
    act = actions.PRODUCT_ACTIONS["review"]
    data = {"author": "Ann Lee", "rating": 2}

    perform(
        sandbox,
        act.label(notebook, data),
        lambda: act.run(notebook, data),
        scenario="testing-signals",
    )
    logged = last_action(sandbox)

    assert logged.entry.label == "Added a review of Product 'Notebook'"
    assert logged.signals == [
        ("pre_init", "Review"),
        ("post_init", "Review"),
        ("pre_save", "Review"),
        ("post_save", "Review"),
    ]
    assert [event.receivers for event in logged.events[:3]] == [[], [], []]
    assert ["created", "True"] in logged.events[3].arguments
    assert [(run["name"], run["result"]) for run in logged.events[3].receivers] == [
        ("playground.receivers.any_model_saved", "heard a save from Review"),
        ("playground.receivers.email_review_author", "thanked the reviewer by e-mail"),
        (
            "playground.receivers.refresh_product_rating",
            "'Notebook' now averages 3.0 from 2 reviews",
        ),
    ]
    # The playground's Outbox, where the site's mailer keeps it.
    assert list(
        OutboxEmail.objects.filter(sandbox=sandbox).values_list("to", "subject", "body")
    ) == [("ann-lee@example.com", "Thanks for reviewing Notebook", "You gave it 2 out of 5.")]


@pytest.mark.django_db
def test_try_it_the_panel_shows_the_command_for_this_lesson(client):
    response = client.get(reverse("playground:scenario", args=["testing-signals"]))

    assert response.status_code == 200
    assert "make test-lesson LESSON=testing-signals" in response.content.decode()
    assert scenarios.get("testing-signals").receivers == ("email_review_author",)
    # The Makefile's test-lesson target turns the slug into this module's path.
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "LESSON_TESTS = tests/lessons/test_$(subst -,_,$(LESSON)).py" in makefile
    assert Path(__file__) == ROOT / "tests" / "lessons" / "test_testing_signals.py"


@pytest.mark.not_in_browser("renders the lesson page, which needs Markdown and PyYAML")
@pytest.mark.django_db
def test_try_it_in_local_mode_the_lesson_page_offers_to_run_them(client, settings):
    settings.LOCAL_MODE = True

    response = client.get(reverse("lessons:detail", args=["testing-signals"]))

    assert response.status_code == 200
    assert "Run these tests" in response.content.decode()


# -- The lesson's own text -------------------------------------------------------


def test_fenced_snippets_labelled_with_a_file_match_that_file():
    text = LESSON.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# ((?:tests|lessons)/\S+\.py)\n(.*?)```", text, re.DOTALL)

    assert [name for name, _ in blocks] == [
        "tests/lessons/test_testing_signals.py",
        "tests/lessons/test_testing_signals.py",
        "tests/lessons/test_testing_signals.py",
        "tests/lessons/test_testing_signals.py",
        "tests/lessons/test_testing_signals.py",
        "tests/lessons/test_testing_signals.py",
        "tests/conftest.py",
    ]
    for name, body in blocks:
        assert body in (ROOT / name).read_text(encoding="utf-8")
