"""Proves the claims of lesson 8, m2m_changed (lessons/content/m2m-changed.md).

Django claims are proved with a local collector connected to
``Article.tags.through``; the playground's own receivers stay connected but
do not change what the collector sees. "Try it" claims run the playground's
service through ``perform`` and read the stored log, as the page does.

Primary keys are never written as literals: ids vary between runs.
"""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)

from lessons.examples.m2m_changed import links_changed
from playground import services
from playground.models import Article, Tag
from playground.performing import perform
from playground.sandboxes import create_sandbox, reset
from tests.playground.logged import last_action

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "content" / "m2m-changed.md"
THROUGH = Article.tags.through


@pytest.fixture
def sandbox(db):
    """A fresh sandbox: "Why signals?" tagged django and signals; "Saving models" tagged orm."""
    return create_sandbox()


@pytest.fixture
def tag(sandbox):
    def get(name):
        return Tag.objects.get(sandbox=sandbox, name=name)

    return get


@pytest.fixture
def article(sandbox):
    def get(title):
        return Article.objects.get(sandbox=sandbox, title=title)

    return get


@pytest.fixture
def changes(connect):
    """Every m2m_changed call on Article.tags: (action, instance, reverse, model, pk_set)."""
    calls = []

    def record(sender, instance, action, reverse, model, pk_set, **kwargs):
        assert sender is THROUGH
        calls.append((action, instance, reverse, model, None if pk_set is None else set(pk_set)))

    connect(m2m_changed, record, sender=THROUGH)
    return calls


def linked(article):
    return set(article.tags.values_list("name", flat=True))


# -- The arguments -------------------------------------------------------------


def test_a_receiver_gets_exactly_these_keyword_arguments(sandbox, tag, article, connect):
    received = []

    def record(**kwargs):
        received.append(kwargs)

    connect(m2m_changed, record, sender=THROUGH)
    why, orm = article("Why signals?"), tag("orm")

    why.tags.add(orm)

    assert received == [
        {
            "signal": m2m_changed,
            "sender": THROUGH,
            "instance": why,
            "action": action,
            "reverse": False,
            "model": Tag,
            "pk_set": {orm.pk},
            "using": "default",
            "raw": False,
        }
        for action in ("pre_add", "post_add")
    ]


def test_the_sender_is_the_auto_created_through_model_for_both_sides():
    assert Tag.articles.through is THROUGH
    assert THROUGH.__name__ == "Article_tags"
    assert THROUGH._meta.auto_created is Article
    assert THROUGH._meta.label == "playground.Article_tags"


def test_saving_an_article_sends_no_m2m_changed(sandbox, article, changes):
    why = article("Why signals?")
    why.title = "Why signals, really?"

    why.save()

    assert changes == []
    assert linked(why) == {"django", "signals"}


# -- The actions and pk_set ----------------------------------------------------


def test_add_sends_pre_add_and_post_add_with_only_the_new_links(sandbox, tag, article, changes):
    why, django, orm = article("Why signals?"), tag("django"), tag("orm")

    why.tags.add(django, orm)

    assert changes == [
        ("pre_add", why, False, Tag, {orm.pk}),
        ("post_add", why, False, Tag, {orm.pk}),
    ]


def test_add_with_nothing_new_still_sends_with_an_empty_set(sandbox, tag, article, changes):
    why = article("Why signals?")

    why.tags.add(tag("django"))

    assert changes == [("pre_add", why, False, Tag, set()), ("post_add", why, False, Tag, set())]


def test_remove_sends_the_pks_as_passed_even_one_that_does_not_exist(
    sandbox, tag, article, changes
):
    why, signals, orm = article("Why signals?"), tag("signals"), tag("orm")
    missing = Tag.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    # orm is not linked to this article, and no tag has the pk `missing`.
    why.tags.remove(signals, orm, missing)

    assert changes == [
        ("pre_remove", why, False, Tag, {signals.pk, orm.pk, missing}),
        ("post_remove", why, False, Tag, {signals.pk, orm.pk, missing}),
    ]
    assert linked(why) == {"django"}


def test_clear_sends_pk_set_none(sandbox, article, changes):
    why = article("Why signals?")

    why.tags.clear()

    assert changes == [("pre_clear", why, False, Tag, None), ("post_clear", why, False, Tag, None)]
    assert linked(why) == set()


def test_the_tag_side_sends_reverse_true_with_the_tag_and_article_pks(
    sandbox, tag, article, changes
):
    saving, django = article("Saving models"), tag("django")

    django.articles.add(saving)

    assert changes == [
        ("pre_add", django, True, Article, {saving.pk}),
        ("post_add", django, True, Article, {saving.pk}),
    ]
    assert linked(saving) == {"orm", "django"}


def test_clear_from_the_tag_side_is_reverse_too(sandbox, tag, changes):
    django = tag("django")

    django.articles.clear()

    assert changes == [
        ("pre_clear", django, True, Article, None),
        ("post_clear", django, True, Article, None),
    ]


# -- set() -----------------------------------------------------------------------


def test_set_sends_a_remove_pair_then_an_add_pair(sandbox, tag, article, changes):
    why, django, signals, orm = article("Why signals?"), tag("django"), tag("signals"), tag("orm")

    why.tags.set([signals, orm])

    assert changes == [
        ("pre_remove", why, False, Tag, {django.pk}),
        ("post_remove", why, False, Tag, {django.pk}),
        ("pre_add", why, False, Tag, {orm.pk}),
        ("post_add", why, False, Tag, {orm.pk}),
    ]
    assert linked(why) == {"signals", "orm"}


def test_set_with_clear_true_sends_a_clear_pair_then_an_add_pair(sandbox, tag, article, changes):
    why, signals, orm = article("Why signals?"), tag("signals"), tag("orm")

    why.tags.set([signals, orm], clear=True)

    assert changes == [
        ("pre_clear", why, False, Tag, None),
        ("post_clear", why, False, Tag, None),
        ("pre_add", why, False, Tag, {signals.pk, orm.pk}),
        ("post_add", why, False, Tag, {signals.pk, orm.pk}),
    ]
    assert linked(why) == {"signals", "orm"}


def test_set_to_the_current_links_sends_nothing(sandbox, tag, article, changes):
    why = article("Why signals?")

    why.tags.set([tag("signals"), tag("django")])

    assert changes == []


def test_set_to_nothing_on_an_empty_relation_sends_nothing(sandbox, article, changes):
    why = article("Why signals?")
    why.tags.clear()
    changes.clear()

    why.tags.set([])

    assert changes == []


def test_set_to_nothing_removes_with_the_old_pks_not_clear(sandbox, tag, article, changes):
    why, django, signals = article("Why signals?"), tag("django"), tag("signals")

    why.tags.set([])

    assert changes == [
        ("pre_remove", why, False, Tag, {django.pk, signals.pk}),
        ("post_remove", why, False, Tag, {django.pk, signals.pk}),
    ]


# -- Other ways in -----------------------------------------------------------------


def test_create_through_the_manager_saves_the_tag_then_sends_the_add_pair(
    sandbox, article, connect
):
    why = article("Why signals?")
    events = []

    def record(signal, sender, **kwargs):
        events.append((signal, sender, kwargs.get("action"), kwargs.get("pk_set")))

    connect(pre_save, record, sender=Tag)
    connect(post_save, record, sender=Tag)
    connect(m2m_changed, record, sender=THROUGH)

    new = why.tags.create(sandbox=why.sandbox, name="testing")

    assert events == [
        (pre_save, Tag, None, None),
        (post_save, Tag, None, None),
        (m2m_changed, THROUGH, "pre_add", {new.pk}),
        (m2m_changed, THROUGH, "post_add", {new.pk}),
    ]
    assert linked(why) == {"django", "signals", "testing"}


def test_loaddata_sends_raw_true(sandbox, tmp_path, connect):
    received = []

    def record(action, pk_set, raw, **kwargs):
        received.append((action, set(pk_set), raw))

    connect(m2m_changed, record, sender=THROUGH)
    tag_pk = Tag.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    article_pk = Article.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    fixture = tmp_path / "tagged.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "playground.tag",
                    "pk": tag_pk,
                    "fields": {"sandbox": sandbox.pk, "name": "fixtures"},
                },
                {
                    "model": "playground.article",
                    "pk": article_pk,
                    "fields": {"sandbox": sandbox.pk, "title": "Loaded", "tags": [tag_pk]},
                },
            ]
        )
    )

    call_command("loaddata", str(fixture), verbosity=0)

    assert received == [("pre_add", {tag_pk}, True), ("post_add", {tag_pk}, True)]


def test_the_lazy_string_for_the_through_model_works(sandbox, tag, article):
    calls = []

    def record(sender, action, **kwargs):
        calls.append((sender, action))

    m2m_changed.connect(record, sender="playground.Article_tags", weak=False)
    try:
        article("Why signals?").tags.add(tag("orm"))
    finally:
        assert m2m_changed.disconnect(record, sender=THROUGH) is True

    assert calls == [(THROUGH, "pre_add"), (THROUGH, "post_add")]


def test_a_receiver_connected_with_the_declaring_model_never_runs(sandbox, tag, article, connect):
    calls = []
    connect(m2m_changed, lambda **kwargs: calls.append(kwargs), sender=Article)

    why = article("Why signals?")
    why.tags.add(tag("orm"))
    why.tags.clear()

    assert calls == []


# -- Deleting either side ------------------------------------------------------------


def test_deleting_an_article_removes_its_links_without_m2m_changed(sandbox, article, changes):
    why = article("Why signals?")
    why_pk = why.pk

    assert why.delete() == (3, {"playground.Article_tags": 2, "playground.Article": 1})

    assert changes == []
    assert not THROUGH.objects.filter(article_id=why_pk).exists()


def test_the_through_model_never_sends_save_or_delete_signals(sandbox, tag, article, connect):
    calls = []

    def record(signal, sender, **kwargs):
        calls.append(signal)

    for signal in (pre_save, post_save, pre_delete, post_delete):
        connect(signal, record, sender=THROUGH)
    why = article("Why signals?")

    why.tags.add(tag("orm"))
    why.tags.remove(tag("django"))
    why.delete()

    assert calls == []
    assert not THROUGH.objects.filter(
        tag__sandbox=why.sandbox, article__title="Why signals?"
    ).exists()


def test_deleting_a_tag_removes_its_links_without_m2m_changed(sandbox, tag, article, changes):
    orm = tag("orm")

    assert orm.delete() == (2, {"playground.Article_tags": 1, "playground.Tag": 1})

    assert changes == []
    assert linked(article("Saving models")) == set()


# -- The example receiver --------------------------------------------------------------


@pytest.fixture
def pairs(connect):
    """What links_changed returns, for each call it does not skip."""
    results = []

    def keep(**kwargs):
        result = links_changed(**kwargs)
        if result is not None:
            results.append(result)

    connect(m2m_changed, keep, sender=THROUGH)
    return results


def test_links_changed_reports_pairs_from_either_side(sandbox, tag, article, pairs):
    why, saving, django, orm = (
        article("Why signals?"),
        article("Saving models"),
        tag("django"),
        tag("orm"),
    )

    why.tags.add(orm)
    django.articles.add(saving)
    why.tags.remove(orm)

    assert pairs == [
        ("post_add", {(why.pk, orm.pk)}),
        ("post_add", {(saving.pk, django.pk)}),
        ("post_remove", {(why.pk, orm.pk)}),
    ]


def test_links_changed_reads_the_cleared_links_in_pre_clear(sandbox, tag, article, pairs):
    why, saving, django, signals = (
        article("Why signals?"),
        article("Saving models"),
        tag("django"),
        tag("signals"),
    )
    django.articles.add(saving)
    pairs.clear()

    why.tags.clear()
    django.articles.clear()

    assert pairs == [
        ("pre_clear", {(why.pk, django.pk), (why.pk, signals.pk)}),
        ("pre_clear", {(saving.pk, django.pk)}),
    ]


def test_links_changed_is_not_connected_by_its_module():
    assert not any(
        getattr(ref(), "__name__", None) == "links_changed"
        for _, ref, _, _ in m2m_changed.receivers
    )


# -- Try it: the playground log -----------------------------------------------------------


def run(sandbox, call):
    perform(sandbox, "lesson step", call, scenario="m2m-changed")
    return last_action(sandbox)


def m2m_rows(logged):
    """(action, reverse, model, pk_set) as the log prints them, m2m_changed events only."""
    rows = []
    for event in logged.events:
        if event.signal == "m2m_changed":
            arguments = dict(event.arguments)
            rows.append(
                (arguments["action"], arguments["reverse"], arguments["model"], arguments["pk_set"])
            )
    return rows


def tags_changed_results(logged):
    return [result for _, result in logged.runs("tags_changed")]


def link(manager, operation, *targets):
    """What pressing add() / remove() / clear() / set() in an Edit panel runs."""
    return lambda: services.change_links(manager=manager, operation=operation, targets=targets)


def pks(sandbox):
    """The pk of every example record by name, as the sandbox holds them now."""
    names = dict(Tag.objects.filter(sandbox=sandbox).values_list("name", "pk"))
    return names | dict(Article.objects.filter(sandbox=sandbox).values_list("title", "pk"))


def try_it_steps(sandbox):
    """The lesson's "Try it" steps, in order, as the panel's buttons run them.

    Returns the six logged actions and the pks before and after step 5's reset.
    """
    before = pks(sandbox)
    why = Article.objects.get(pk=before["Why signals?"])
    django = Tag.objects.get(pk=before["django"])
    signals, orm = Tag.objects.get(pk=before["signals"]), Tag.objects.get(pk=before["orm"])
    saving = Article.objects.get(pk=before["Saving models"])
    steps = [
        run(sandbox, link(why.tags, "add", django, orm)),
        run(sandbox, link(why.tags, "remove", signals)),
        run(sandbox, link(why.tags, "clear")),
        run(sandbox, link(django.articles, "add", saving)),
    ]
    reset(sandbox)
    after = pks(sandbox)
    why = Article.objects.get(pk=after["Why signals?"])
    new_tags = Tag.objects.filter(pk__in=[after["signals"], after["orm"]]).order_by("pk")
    steps.append(run(sandbox, link(why.tags, "set", *new_tags)))
    steps.append(run(sandbox, lambda: services.article_delete(article=why)))
    return steps, before, after


def test_try_it_the_log_shows_these_signals_in_order(sandbox):
    steps, before, after = try_it_steps(sandbox)
    through = "Article.tags.through"
    added, removed, cleared, reverse_added, set_, deleted = steps

    assert added.signals == [
        ("m2m_changed", through),
        ("pre_init", through),
        ("post_init", through),
        ("m2m_changed", through),
    ]
    assert added.arguments(1) == [
        ["action", "'pre_add'"],
        ["instance", "<Article: Why signals?>"],
        ["reverse", "False"],
        ["model", "Tag"],
        ["pk_set", f"{{{before['orm']}}}"],
        ["using", "'default'"],
        ["raw", "False"],
    ]
    assert m2m_rows(added) == [
        ("'pre_add'", "False", "Tag", f"{{{before['orm']}}}"),
        ("'post_add'", "False", "Tag", f"{{{before['orm']}}}"),
    ]
    assert removed.signals == [("m2m_changed", through)] * 2
    assert m2m_rows(removed) == [
        ("'pre_remove'", "False", "Tag", f"{{{before['signals']}}}"),
        ("'post_remove'", "False", "Tag", f"{{{before['signals']}}}"),
    ]
    assert cleared.signals == [("m2m_changed", through)] * 2
    assert m2m_rows(cleared) == [
        ("'pre_clear'", "False", "Tag", "None"),
        ("'post_clear'", "False", "Tag", "None"),
    ]
    assert reverse_added.arguments(1)[:5] == [
        ["action", "'pre_add'"],
        ["instance", "<Tag: django>"],
        ["reverse", "True"],
        ["model", "Article"],
        ["pk_set", f"{{{before['Saving models']}}}"],
    ]
    assert set_.signals == [
        ("m2m_changed", through),
        ("m2m_changed", through),
        ("m2m_changed", through),
        ("pre_init", through),
        ("post_init", through),
        ("m2m_changed", through),
    ]
    assert m2m_rows(set_) == [
        ("'pre_remove'", "False", "Tag", f"{{{after['django']}}}"),
        ("'post_remove'", "False", "Tag", f"{{{after['django']}}}"),
        ("'pre_add'", "False", "Tag", f"{{{after['orm']}}}"),
        ("'post_add'", "False", "Tag", f"{{{after['orm']}}}"),
    ]
    assert deleted.signals == [("pre_delete", "Article"), ("post_delete", "Article")]
    assert not THROUGH.objects.filter(article_id=after["Why signals?"]).exists()


def test_try_it_tags_changed_reports(sandbox):
    steps, before, after = try_it_steps(sandbox)

    assert [tags_changed_results(step) for step in steps] == [
        [
            f"pre_add from an Article: Tag pks [{before['orm']}]",
            f"post_add from an Article: Tag pks [{before['orm']}]",
        ],
        [
            f"pre_remove from an Article: Tag pks [{before['signals']}]",
            f"post_remove from an Article: Tag pks [{before['signals']}]",
        ],
        [
            "pre_clear from an Article: Tag pks None",
            "post_clear from an Article: Tag pks None",
        ],
        [
            f"pre_add from a Tag (reverse): Article pks [{before['Saving models']}]",
            f"post_add from a Tag (reverse): Article pks [{before['Saving models']}]",
        ],
        [
            f"pre_remove from an Article: Tag pks [{after['django']}]",
            f"post_remove from an Article: Tag pks [{after['django']}]",
            f"pre_add from an Article: Tag pks [{after['orm']}]",
            f"post_add from an Article: Tag pks [{after['orm']}]",
        ],
        [],
    ]


# -- The lesson's own text -------------------------------------------------------------------


def test_the_buttons_the_lesson_names_exist():
    panel = (
        Path(__file__).resolve().parents[2] / "playground/templates/playground/panel.html"
    ).read_text(encoding="utf-8")
    assert "{{ operation }}()" in panel
    assert services.LINK_OPERATIONS == ("add", "remove", "clear", "set")
    text = LESSON.read_text(encoding="utf-8")
    for button in ("add()", "remove()", "clear()", "set()"):
        assert f"**{button}**" in text
    assert re.search(r"\*\*Edit\*\*", text)


@pytest.mark.django_db(transaction=True)  # autocommit: add()'s own atomic() commits
def test_the_log_shows_the_insert_of_the_link_between_pre_add_and_post_add():
    sandbox = create_sandbox(scenario="m2m-changed")
    article = Article.objects.get(sandbox=sandbox, title="Saving models")
    signals_tag = Tag.objects.get(sandbox=sandbox, name="signals")

    perform(
        sandbox,
        "add",
        lambda: services.change_links(manager=article.tags, operation="add", targets=[signals_tag]),
        scenario="m2m-changed",
    )

    logged = last_action(sandbox)
    assert logged.timeline == [
        "SQL SELECT playground_article",  # the service checks both records are still there
        "SQL SELECT playground_tag",
        "BEGIN",
        "SQL SELECT playground_article_tags",  # which links exist already
        "m2m_changed · Article.tags.through",  # pre_add
        "pre_init · Article.tags.through",
        "post_init · Article.tags.through",
        "SQL INSERT playground_article_tags",
        "m2m_changed · Article.tags.through",  # post_add
        "COMMIT",
    ]
