"""Proves the claims of lesson 4, The model lifecycle (lessons/content/model-lifecycle.md)."""

import json
import re
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_init, post_save, pre_init, pre_save
from django.test.utils import CaptureQueriesContext

from lessons.examples.model_lifecycle import reindex_group_name
from playground.models import Product, Review
from playground.sandboxes import create_sandbox
from tests.playground.logged import panel_with_an_open_row, press

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "content" / "model-lifecycle.md"
EXAMPLES_LOGGER = "lessons.examples.model_lifecycle"
SLUG = "model-lifecycle"
NAMES = {pre_init: "pre_init", post_init: "post_init", pre_save: "pre_save", post_save: "post_save"}


@pytest.fixture
def lifecycle(connect):
    """Record the four lifecycle signals for ``model``: (name, details) in order.

    Values are copied when the signal is sent: ``Model.__init__`` empties the
    ``kwargs`` dict it passed to ``pre_init`` as it uses the values up.
    """

    def listen(model):
        events = []

        def record(signal, sender, **kwargs):
            name = NAMES[signal]
            if name == "pre_init":
                details = (kwargs["args"], dict(kwargs["kwargs"]))
            elif name == "post_init":
                state = kwargs["instance"]._state
                details = (kwargs["instance"].pk, state.adding, state.db)
            elif name == "pre_save":
                details = (kwargs["instance"].pk, kwargs["update_fields"], kwargs["raw"])
            else:
                details = (
                    kwargs["instance"].pk,
                    kwargs["created"],
                    kwargs["update_fields"],
                    kwargs["raw"],
                )
            events.append((name, details))

        for signal in NAMES:
            connect(signal, record, sender=model)
        return events

    return listen


# -- The init pair -------------------------------------------------------------


def test_constructing_in_code_sends_pre_init_with_kwargs_then_post_init(lifecycle):
    events = lifecycle(Product)

    Product(name="Pen", price=2)

    assert events == [
        ("pre_init", ((), {"name": "Pen", "price": 2})),
        ("post_init", (None, True, None)),
    ]


def test_a_primary_key_set_in_code_is_no_proof_of_a_loaded_row():
    assert Product(id=5).pk == 5
    assert Product(id=5)._state.adding is True


def test_pre_init_receiver_cannot_name_its_catch_all_kwargs():
    with pytest.raises(SyntaxError, match="duplicate argument 'kwargs'"):
        compile("def f(sender, args, kwargs, **kwargs): pass", "<lesson>", "exec")


@pytest.mark.django_db
def test_each_loaded_row_sends_an_init_pair_with_positional_args(lifecycle):
    first = Group.objects.create(name="editors")
    second = Group.objects.create(name="writers")
    events = lifecycle(Group)

    loaded = list(Group.objects.order_by("pk"))

    assert events == [
        ("pre_init", ((first.pk, "editors"), {})),
        ("post_init", (first.pk, True, None)),
        ("pre_init", ((second.pk, "writers"), {})),
        ("post_init", (second.pk, True, None)),
    ]
    # Once the query has returned them, the rows know where they came from.
    assert [(g._state.adding, g._state.db) for g in loaded] == [(False, "default")] * 2


@pytest.mark.django_db
def test_values_and_values_list_send_nothing(lifecycle):
    Group.objects.create(name="editors")
    events = lifecycle(Group)

    list(Group.objects.values("name"))
    list(Group.objects.values_list("name", flat=True))

    assert events == []


@pytest.mark.django_db
def test_select_related_and_prefetch_related_add_pairs_for_related_rows(lifecycle):
    sandbox = create_sandbox()  # three reviews: two of the pen, one of the notebook
    reviews = lifecycle(Review)
    products = lifecycle(Product)

    list(Review.objects.filter(sandbox=sandbox).select_related("product"))

    assert [name for name, _ in reviews] == ["pre_init", "post_init"] * 3
    assert [name for name, _ in products] == ["pre_init", "post_init"] * 3

    reviews.clear()
    products.clear()
    list(Product.objects.filter(sandbox=sandbox).prefetch_related("reviews"))

    assert [name for name, _ in products] == ["pre_init", "post_init"] * 3
    assert [name for name, _ in reviews] == ["pre_init", "post_init"] * 3


# -- The save pair -------------------------------------------------------------


@pytest.mark.django_db
def test_create_sends_all_four_and_pk_is_set_only_in_post_save(lifecycle):
    events = lifecycle(Group)

    group = Group.objects.create(name="editors")

    assert events == [
        ("pre_init", ((), {"name": "editors"})),
        ("post_init", (None, True, None)),
        ("pre_save", (None, None, False)),
        ("post_save", (group.pk, True, None, False)),
    ]


@pytest.mark.django_db
def test_pre_save_runs_before_the_sql_and_post_save_after(connect):
    seen = []

    def row_exists(**kwargs):
        seen.append(Group.objects.filter(name="x").exists())

    connect(pre_save, row_exists, Group)
    connect(post_save, row_exists, Group)

    Group.objects.create(name="x")

    assert seen == [False, True]


@pytest.mark.django_db
def test_saving_a_loaded_object_sends_created_false(lifecycle):
    group = Group.objects.create(name="editors")
    events = lifecycle(Group)

    group.name = "writers"
    group.save()

    assert events == [
        ("pre_save", (group.pk, None, False)),
        ("post_save", (group.pk, False, None, False)),
    ]


@pytest.mark.django_db
def test_an_unknown_primary_key_inserts_and_sends_created_true(lifecycle):
    events = lifecycle(Group)

    with CaptureQueriesContext(connection) as queries:
        Group(id=999, name="editors").save()

    assert [q["sql"].split()[0] for q in queries] == ["UPDATE", "INSERT"]

    assert events[2:] == [("pre_save", (999, None, False)), ("post_save", (999, True, None, False))]
    assert list(Group.objects.values_list("pk", flat=True)) == [999]


@pytest.mark.django_db
def test_update_fields_reaches_both_signals_as_a_frozenset(lifecycle):
    group = Group.objects.create(name="editors")
    events = lifecycle(Group)

    group.save(update_fields=["name"])

    assert events == [
        ("pre_save", (group.pk, frozenset({"name"}), False)),
        ("post_save", (group.pk, False, frozenset({"name"}), False)),
    ]


@pytest.mark.django_db
def test_empty_update_fields_saves_nothing_and_sends_nothing(lifecycle, django_assert_num_queries):
    group = Group.objects.create(name="editors")
    events = lifecycle(Group)

    with django_assert_num_queries(0):
        group.save(update_fields=[])

    assert events == []


@pytest.mark.django_db
def test_an_instance_loaded_with_only_fills_update_fields_itself(lifecycle):
    User.objects.create(username="anne")
    user = User.objects.only("username").get()
    events = lifecycle(User)

    user.save()

    assert events == [
        ("pre_save", (user.pk, frozenset({"username"}), False)),
        ("post_save", (user.pk, False, frozenset({"username"}), False)),
    ]


FIXTURE = [
    {"model": "auth.group", "pk": 50, "fields": {"name": "fixture-group", "permissions": []}}
]


@pytest.mark.django_db
def test_loaddata_saves_with_raw_true_created_true_then_false(lifecycle, tmp_path):
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(FIXTURE))
    events = lifecycle(Group)

    call_command("loaddata", str(path), verbosity=0)
    call_command("loaddata", str(path), verbosity=0)

    assert [(name, details) for name, details in events if name.endswith("_save")] == [
        ("pre_save", (50, None, True)),
        ("post_save", (50, True, None, True)),
        ("pre_save", (50, None, True)),
        ("post_save", (50, False, None, True)),
    ]


# -- The example receiver ------------------------------------------------------


@pytest.fixture
def index_log(example_log, connect):
    """Connect reindex_group_name to Group's post_save; return its log lines."""
    connect(post_save, reindex_group_name, sender=Group)
    return example_log


@pytest.mark.django_db
def test_reindex_group_name_indexes_creates_and_name_saves_only(index_log):
    group = Group.objects.create(name="editors")
    group.name = "writers"
    group.save()
    group.save(update_fields=["name"])

    assert index_log() == [
        "Indexed group 'editors'",
        "Re-indexed group 'writers'",
        "Re-indexed group 'writers'",
    ]


@pytest.mark.django_db
def test_reindex_group_name_skips_saves_that_do_not_write_the_name(index_log):
    group = Group.objects.create(name="editors")
    # Group has no other concrete field to save alone, so send what Django
    # would send for save(update_fields=["other"]).
    post_save.send(
        sender=Group, instance=group, created=False, raw=False, update_fields=frozenset({"x"})
    )

    assert index_log() == ["Indexed group 'editors'"]


@pytest.mark.django_db
def test_reindex_group_name_skips_fixture_loads(index_log, tmp_path):
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(FIXTURE))

    call_command("loaddata", str(path), verbosity=0)

    assert index_log() == []
    assert list(Group.objects.values_list("name", flat=True)) == ["fixture-group"]


# -- What the shortcuts send ---------------------------------------------------


@pytest.mark.django_db
def test_get_or_create_that_finds_the_row_sends_only_its_init_pair(lifecycle):
    group = Group.objects.create(name="editors")
    events = lifecycle(Group)

    assert Group.objects.get_or_create(name="editors") == (group, False)
    assert events == [
        ("pre_init", ((group.pk, "editors"), {})),
        ("post_init", (group.pk, True, None)),
    ]


@pytest.mark.django_db
def test_get_or_create_that_creates_sends_all_four(lifecycle):
    events = lifecycle(Group)

    group, created = Group.objects.get_or_create(name="editors")

    assert created is True
    assert events == [
        ("pre_init", ((), {"name": "editors"})),
        ("post_init", (None, True, None)),
        ("pre_save", (None, None, False)),
        ("post_save", (group.pk, True, None, False)),
    ]


@pytest.mark.django_db
def test_update_or_create_that_finds_the_row_passes_the_defaults_as_update_fields(lifecycle):
    group = Group.objects.create(name="editors")
    events = lifecycle(Group)

    Group.objects.update_or_create(pk=group.pk, defaults={"name": "writers"})

    assert events == [
        ("pre_init", ((group.pk, "editors"), {})),
        ("post_init", (group.pk, True, None)),
        ("pre_save", (group.pk, frozenset({"name"}), False)),
        ("post_save", (group.pk, False, frozenset({"name"}), False)),
    ]


@pytest.mark.django_db
def test_update_or_create_also_lists_fields_that_compute_their_value_on_save(lifecycle):
    # Product.image is a FileField, whose pre_save() Django must run, so it joins
    # the defaults in update_fields.
    product = Product.objects.create(sandbox=create_sandbox(), name="Pen", price=2, stock=1)
    events = lifecycle(Product)

    Product.objects.update_or_create(pk=product.pk, defaults={"name": "Ink"})

    assert [details[1] for name, details in events if name == "pre_save"] == [
        frozenset({"name", "image"})
    ]


@pytest.mark.django_db
def test_update_or_create_that_creates_sends_update_fields_none(lifecycle):
    events = lifecycle(Group)

    group, created = Group.objects.update_or_create(name="editors", defaults={"name": "writers"})

    assert created is True
    assert events == [
        ("pre_init", ((), {"name": "writers"})),
        ("post_init", (None, True, None)),
        ("pre_save", (None, None, False)),
        ("post_save", (group.pk, True, None, False)),
    ]


@pytest.mark.django_db
def test_refresh_from_db_sends_only_an_init_pair_for_a_fresh_instance(connect):
    group = Group.objects.create(name="editors")
    Group.objects.filter(pk=group.pk).update(name="writers")
    seen = []
    connect(post_init, lambda instance, **kw: seen.append(instance), Group)
    connect(pre_save, lambda **kw: seen.append("pre_save"), Group)
    connect(post_save, lambda **kw: seen.append("post_save"), Group)

    group.refresh_from_db()

    assert len(seen) == 1
    assert seen[0] is not group
    assert (seen[0].pk, seen[0].name) == (group.pk, "writers")
    assert group.name == "writers"


@pytest.mark.django_db
def test_iterating_a_queryset_sends_one_init_pair_per_row(lifecycle):
    for name in ("a", "b", "c"):
        Group.objects.create(name=name)
    events = lifecycle(Group)

    list(Group.objects.all())

    assert [name for name, _ in events] == ["pre_init", "post_init"] * 3


# -- Try it: the model-lifecycle scenario ----------------------------------------


# What a view does for one button of this lesson's scenario.
click = partial(press, scenario=SLUG)


def get(sandbox, name):
    return Product.objects.get(sandbox=sandbox, name=name)


@pytest.mark.django_db
def test_try_it_the_panel_shows_the_buttons_and_fields_the_lesson_names(client):
    html = panel_with_an_open_row(client, SLUG, "Desk lamp")

    for text in [
        ">Load the product list</button>",
        ">get_or_create()</button>",
        ">Product name</label>",
        ">refresh_from_db() <span",
        ">Edit <span",
        ">New stock</label>",
        ">save(update_fields=['stock'])</button>",
    ]:
        assert text in html


def test_try_it_1_loading_the_list_sends_one_init_pair_per_product(sandbox):
    pen = get(sandbox, "Fountain pen")

    logged = click(sandbox, "product-list")

    assert logged.entry.label.startswith("Loaded the product list")
    assert logged.signals == [("pre_init", "Product"), ("post_init", "Product")] * 3
    assert logged.arguments(1) == [
        [
            "args",
            f"({pen.pk}, {sandbox.pk}, 'Fountain pen', 'fountain-pen', "
            "Decimal('24.00'), 12, '', 0)",
        ],
        ["kwargs", "{}"],
    ]
    assert logged.receivers(1) == [
        ("product_init_started", "__init__ starting: row from the database")
    ]
    assert logged.receivers(2) == [
        ("product_init_finished", f"__init__ done: pk={pen.pk}, name='Fountain pen'")
    ]


def test_try_it_2_get_or_create_of_an_existing_name_sends_only_the_init_pair(sandbox):
    logged = click(sandbox, "product-get-or-create", {"name": "Notebook"})

    assert logged.signals == [("pre_init", "Product"), ("post_init", "Product")]


def test_try_it_3_get_or_create_of_a_new_name_sends_all_four(sandbox):
    logged = click(sandbox, "product-get-or-create", {"name": "Ink"})

    assert logged.signals == [
        ("pre_init", "Product"),
        ("post_init", "Product"),
        ("pre_save", "Product"),
        ("post_save", "Product"),
    ]
    assert logged.arguments(1) == [
        ["args", "()"],
        [
            "kwargs",
            f"{{'sandbox': <Sandbox: #{sandbox.pk}>, 'name': 'Ink', "
            "'price': Decimal('1.00'), 'stock': 1}",
        ],
    ]
    assert logged.receivers(2) == [("product_init_finished", "__init__ done: pk=None, name='Ink'")]
    assert ["update_fields", "None"] in logged.arguments(3)
    assert logged.runs("product_about_to_save") == [
        ("playground.receivers.product_about_to_save", "about to write all fields")
    ]
    assert ["created", "True"] in logged.arguments(4)


def test_try_it_4_refresh_from_db_sends_only_the_init_pair(sandbox):
    logged = click(sandbox, "refresh", record=get(sandbox, "Fountain pen"))

    assert logged.signals == [("pre_init", "Product"), ("post_init", "Product")]


def test_try_it_5_save_with_update_fields_sends_the_save_pair_with_a_frozenset(sandbox):
    lamp = get(sandbox, "Desk lamp")

    logged = click(sandbox, "stock", {"stock": 7}, record=lamp)

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert ["update_fields", "frozenset({'stock'})"] in logged.arguments(1)
    assert ["update_fields", "frozenset({'stock'})"] in logged.arguments(2)
    assert ["created", "False"] in logged.arguments(2)
    assert logged.runs("product_about_to_save") == [
        ("playground.receivers.product_about_to_save", "about to write stock")
    ]
    assert Product.objects.filter(pk=lamp.pk).values_list("stock", flat=True).get() == 7
    assert lamp.price == Decimal("39.90")


# -- The lesson's own text -----------------------------------------------------


def test_the_lesson_has_the_required_sections_in_order():
    headings = re.findall(r"^## (.+)$", LESSON.read_text(encoding="utf-8"), re.MULTILINE)

    assert headings[0] == "What you will learn"
    assert headings[-4:] == [
        "Try it",
        "Common mistakes",
        "Summary",
        "Run the tests for this lesson",
    ]


@pytest.mark.django_db(transaction=True)  # autocommit, as on the site
def test_the_log_shows_the_insert_between_pre_save_and_post_save():
    sandbox = create_sandbox(scenario="model-lifecycle")
    data = {"name": "Mug", "price": Decimal("4.00"), "stock": 3, "image": None}

    logged = press(sandbox, "product-create", data, scenario="model-lifecycle")

    assert logged.timeline == [
        "SQL SELECT playground_product",  # the sandbox's room for one more
        "pre_init · Product",
        "post_init · Product",
        "pre_save · Product",
        "  SQL SELECT playground_product",  # fill_slug looks for a free slug
        "SQL INSERT playground_product",
        "post_save · Product",
    ]
