"""The facts behind the cheat sheet of Django's built-in signals (``/reference/``).

One entry per signal, as data: where to import it from, who sends it, the
keyword arguments a receiver gets besides ``signal`` and ``sender``, what
sends it, what does not, and the lesson that teaches it. The page and the
search index only read these; tests/reader/test_signal_reference.py keeps
them honest against Django itself (each signal is sent for real and its
arguments compared, each "does not send" claim is tried) and against the
lessons (each named lesson exists and covers or mentions its signal).

Text may mark names as code with backquotes, as lessons do: ``inline_code``
turns them into ``<code>`` for the page, ``plain`` drops them for search.
"""

import re
from dataclasses import dataclass

from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

CODE = re.compile(r"`([^`]+)`")

# "Does not send" claims the tests try for real (see the module docstring).
QUERYSET_UPDATE = "`QuerySet.update()` and `bulk_update()`: one SQL UPDATE, no instances"
BULK_CREATE = "`bulk_create()`: rows are inserted without calling `save()`"


@dataclass(frozen=True)
class BuiltinSignal:
    name: str
    module: str
    # "model", "migration", "request", "database" or "test": the page's groups.
    family: str
    sender: str
    # What a receiver gets besides signal= and sender=, in the order Django passes them.
    arguments: tuple[str, ...]
    sent_by: tuple[str, ...]
    not_sent_by: tuple[str, ...]
    lesson: str
    # The section of that lesson that teaches it ("" for the top of the lesson).
    section: str = ""

    @property
    def import_line(self) -> str:
        return f"from {self.module} import {self.name}"


FAMILIES = (
    ("model", "Model signals"),
    ("migration", "Model classes and migrations"),
    ("request", "Request signals"),
    ("database", "Database connections"),
    ("test", "Settings and tests"),
)

MODEL_SIGNALS = "django.db.models.signals"

SIGNALS: tuple[BuiltinSignal, ...] = (
    BuiltinSignal(
        name="pre_init",
        module=MODEL_SIGNALS,
        family="model",
        sender="The model class.",
        arguments=("args", "kwargs"),
        sent_by=(
            "Every model instance being built: `Product(name=…)`, `objects.create()`, "
            "and each row a query loads (its values arrive positionally in `args`)",
            "`refresh_from_db()`, through the fresh copy it fetches",
        ),
        not_sent_by=(
            "`values()` and `values_list()`: they build no instances",
            "`QuerySet.update()` and `bulk_update()`: they build no instances either",
        ),
        lesson="model-lifecycle",
    ),
    BuiltinSignal(
        name="post_init",
        module=MODEL_SIGNALS,
        family="model",
        sender="The model class.",
        arguments=("instance",),
        sent_by=(
            "The end of every model `__init__`, right after `pre_init`",
            "Each row a query loads (its `_state` is set only after the signal)",
        ),
        not_sent_by=("`values()` and `values_list()`: they build no instances",),
        lesson="model-lifecycle",
    ),
    BuiltinSignal(
        name="pre_save",
        module=MODEL_SIGNALS,
        family="model",
        sender="The model class: the proxy class for a proxy, the child for multi-table "
        "inheritance.",
        arguments=("instance", "raw", "using", "update_fields"),
        sent_by=(
            "`Model.save()`, `objects.create()`, `get_or_create()` and `update_or_create()` "
            "when they write",
            "`loaddata`, with `raw=True`",
        ),
        not_sent_by=(
            QUERYSET_UPDATE,
            BULK_CREATE,
            "`save(update_fields=[])`: it does nothing at all",
        ),
        lesson="pre-save",
    ),
    BuiltinSignal(
        name="post_save",
        module=MODEL_SIGNALS,
        family="model",
        sender="The model class: the proxy class for a proxy, the child for multi-table "
        "inheritance.",
        arguments=("instance", "created", "update_fields", "raw", "using"),
        sent_by=(
            "`Model.save()` after its INSERT (`created=True`) or UPDATE (`created=False`)",
            "`loaddata`, with `raw=True`",
        ),
        not_sent_by=(
            QUERYSET_UPDATE,
            BULK_CREATE,
            "A `get_or_create()` that finds its row",
        ),
        lesson="post-save",
    ),
    BuiltinSignal(
        name="pre_delete",
        module=MODEL_SIGNALS,
        family="model",
        sender="The model class of the instance being deleted.",
        arguments=("instance", "using", "origin"),
        sent_by=(
            "`Model.delete()` and `QuerySet.delete()`, once per object, cascaded rows included "
            "(`origin` is what started the delete)",
        ),
        not_sent_by=(
            "Rows the database removes itself: `on_delete=DB_CASCADE`",
            "The through rows of a many-to-many relation",
        ),
        lesson="delete-signals",
    ),
    BuiltinSignal(
        name="post_delete",
        module=MODEL_SIGNALS,
        family="model",
        sender="The model class of the deleted instance.",
        arguments=("instance", "using", "origin"),
        sent_by=(
            "`Model.delete()` and `QuerySet.delete()`, right after each model's DELETE; "
            "`instance.pk` is still set",
        ),
        not_sent_by=(
            "Rows the database removes itself: `on_delete=DB_CASCADE`",
            "The through rows of a many-to-many relation",
        ),
        lesson="delete-signals",
    ),
    BuiltinSignal(
        name="m2m_changed",
        module=MODEL_SIGNALS,
        family="model",
        sender="The through model, for example `Article.tags.through`.",
        arguments=("action", "instance", "reverse", "model", "pk_set", "using", "raw"),
        sent_by=(
            "`add()`, `remove()`, `set()` and `clear()` on either side of the relation, "
            "as a `pre_` and a `post_` pair",
            "`loaddata`, with `raw=True` (new in Django 6.1)",
        ),
        not_sent_by=(
            "Deleting an object on either side: its through rows go silently",
            "Writing to the through model yourself",
        ),
        lesson="m2m-changed",
    ),
    BuiltinSignal(
        name="class_prepared",
        module=MODEL_SIGNALS,
        family="migration",
        sender="The model class just defined.",
        arguments=(),
        sent_by=("Defining a model class, as its app's models module is imported",),
        not_sent_by=(
            "Models defined before you connect: connect in `AppConfig.__init__` to see them all",
        ),
        lesson="signals-101",
        section="the-built-in-signal-families",
    ),
    BuiltinSignal(
        name="pre_migrate",
        module=MODEL_SIGNALS,
        family="migration",
        sender="The `AppConfig` of each app with a models module.",
        arguments=("app_config", "verbosity", "interactive", "using", "stdout", "apps", "plan"),
        sent_by=("`manage.py migrate`, once per app, before any migration runs",),
        not_sent_by=("Apps without a models module",),
        lesson="signals-101",
        section="the-built-in-signal-families",
    ),
    BuiltinSignal(
        name="post_migrate",
        module=MODEL_SIGNALS,
        family="migration",
        sender="The `AppConfig` of each app with a models module.",
        arguments=("app_config", "verbosity", "interactive", "using", "stdout", "apps", "plan"),
        sent_by=(
            "`manage.py migrate`, once per app, after the migrations",
            "`manage.py flush`, with only `app_config`, `verbosity`, `interactive` and `using`",
        ),
        not_sent_by=("Apps without a models module",),
        lesson="signals-101",
        section="the-built-in-signal-families",
    ),
    BuiltinSignal(
        name="request_started",
        module="django.core.signals",
        family="request",
        sender="The handler class: `WSGIHandler`, `ASGIHandler`, or the test client's handler.",
        arguments=("environ",),
        sent_by=(
            "Every request, before middleware and URL routing (`environ` under WSGI and the "
            "test client; the ASGI handler passes `scope` instead)",
        ),
        not_sent_by=("`RequestFactory`: it calls no handler",),
        lesson="request-signals",
        section="request_started",
    ),
    BuiltinSignal(
        name="request_finished",
        module="django.core.signals",
        family="request",
        sender="The handler class; `None` under the test client.",
        arguments=(),
        sent_by=("Closing the response (`HttpResponse.close()`), after it has been sent",),
        not_sent_by=("`RequestFactory`: it calls no handler",),
        lesson="request-signals",
        section="request_finished",
    ),
    BuiltinSignal(
        name="got_request_exception",
        module="django.core.signals",
        family="request",
        sender="`None`.",
        arguments=("request",),
        sent_by=("An exception a view or middleware lets escape, before the 500 page",),
        not_sent_by=(
            "`Http404`, `PermissionDenied` and other exceptions Django turns into a 4xx",
            "Exceptions your view catches",
        ),
        lesson="request-signals",
        section="got_request_exception",
    ),
    BuiltinSignal(
        name="connection_created",
        module="django.db.backends.signals",
        family="database",
        sender="The database wrapper class, for example SQLite's `DatabaseWrapper`.",
        arguments=("connection",),
        sent_by=("The first query on a new database connection",),
        not_sent_by=(
            "Later queries on an open connection: with `CONN_MAX_AGE` a connection serves "
            "many requests",
        ),
        lesson="request-signals",
        section="connection_created",
    ),
    BuiltinSignal(
        name="setting_changed",
        module="django.core.signals",
        family="test",
        sender="The settings holder (`UserSettingsHolder`).",
        arguments=("setting", "value", "enter"),
        sent_by=(
            "`override_settings` and the `settings` fixture: once on entry (`enter=True`), "
            "once on exit (`enter=False`)",
        ),
        not_sent_by=("Assigning to `django.conf.settings` yourself",),
        lesson="signals-101",
        section="the-built-in-signal-families",
    ),
    BuiltinSignal(
        name="template_rendered",
        module="django.test.signals",
        family="test",
        sender="The `Template` rendered.",
        arguments=("template", "context"),
        sent_by=(
            "Every template render once the test environment is set up "
            "(the test runner and pytest-django do it), each `{% partial %}` again",
        ),
        not_sent_by=("Rendering outside tests: a running site never sends it",),
        lesson="signals-101",
        section="the-built-in-signal-families",
    ),
)


def get(name: str) -> BuiltinSignal | None:
    return next((signal for signal in SIGNALS if signal.name == name), None)


def by_family() -> list[tuple[str, tuple[BuiltinSignal, ...]]]:
    """The page's groups, in order: (heading, signals)."""
    return [
        (title, tuple(signal for signal in SIGNALS if signal.family == family))
        for family, title in FAMILIES
    ]


def inline_code(text: str) -> SafeString:
    """``text`` escaped, its `backquoted` names as ``<code>``."""
    parts = CODE.split(text)
    # split() alternates plain text and the captured names.
    return mark_safe(
        "".join(
            f"<code>{escape(part)}</code>" if index % 2 else escape(part)
            for index, part in enumerate(parts)
        )
    )


def plain(text: str) -> str:
    """``text`` without its backquotes, for the search index."""
    return CODE.sub(r"\1", text)


def argument_list(signal: BuiltinSignal) -> SafeString:
    return format_html_join(", ", "<code>{}</code>", ((name,) for name in signal.arguments))
