"""What a scenario panel shows: records, forms, the log, the outbox and the
listeners. Views, the middleware and the lesson page all render it here."""

from django.core import signing
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import connection
from django.db.models import Count, Prefetch
from django.http import QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import aget_object_or_404, get_object_or_404, render
from django_htmx.http import reswap

from playground import actions, forms, inspector, log, outbox, services
from playground.models import Article, Product, Review, Sandbox, Tag
from playground.performing import Outcome
from playground.scenarios import Scenario
from playground.services import LINK_OPERATIONS


def _queryset(name: str, sandbox: Sandbox):
    """One kind of record the panel lists ("products", "reviews"…), as it
    lists them."""
    match name:
        case "products":
            return Product.objects.filter(sandbox=sandbox).annotate(review_count=Count("reviews"))
        case "reviews":
            return Review.objects.filter(sandbox=sandbox).select_related("product")
        case "articles":
            tags = Prefetch("tags", queryset=Tag.objects.order_by("pk"))
            return Article.objects.filter(sandbox=sandbox).prefetch_related(tags)
        case "tags":
            articles = Prefetch("articles", queryset=Article.objects.order_by("pk"))
            return Tag.objects.filter(sandbox=sandbox).prefetch_related(articles)
    raise ValueError(f"no list called {name!r}")


LISTS = ("products", "reviews", "articles", "tags")


# A list shows its newest rows only, up to this many: a sandbox may hold a
# hundred records of each model, and a page of every row would cost several
# times what one of a learner's usual handful does (docs/benchmarks.md).
ROWS_SHOWN = 20


def records(sandbox: Sandbox, scenario: Scenario, *, all_rows: bool = False) -> dict:
    """Each list the scenario shows (its newest ``ROWS_SHOWN`` rows, oldest
    first; every row with ``all_rows``), in ``row_counts`` how many records
    each list has in all, and in ``rows_not_shown`` how many it leaves out."""
    shown = set(scenario.records)
    if "articles" in shown:
        shown.add("tags")  # an article row names its tags
    context = {"row_counts": {}, "rows_not_shown": {}}
    for name in LISTS:
        if name not in shown:
            continue
        queryset = _queryset(name, sandbox)
        rows = list(queryset) if all_rows else list(queryset.order_by("-pk")[:ROWS_SHOWN])[::-1]
        # Counted without the list's joins and annotations.
        everyone = queryset.model.objects.filter(sandbox=sandbox)
        total = len(rows) if all_rows or len(rows) < ROWS_SHOWN else everyone.count()
        context[name] = rows
        context["row_counts"][name] = total
        # A row added in place is counted by the page: what it shows plus this.
        context["rows_not_shown"][name] = total - len(rows)
    return context


def _initial(record) -> dict:
    """An edit form's values: the record's, and their version."""
    initial = {name: getattr(record, name) for name in services.EDITED_FIELDS[type(record)]}
    return initial | {"version": services.version_of(record)}


def _attach_row_forms(rows, model: str, sandbox, bound_form, form_key: str) -> None:
    """Give the open row its own prefixed forms, so ids and labels stay unique
    on a page with many rows, and a form with errors reappears in place.

    A row is open when ``form_key`` names it ("product-3", its "Edit" link)
    or one of its forms ("product-3-edit": errors, or a refused action).
    Every other row shows only its "Edit" link: forms for a hundred rows
    would be most of the page."""
    for record in rows:
        key = f"{model}-{record.pk}"
        if form_key != key and not form_key.startswith(f"{key}-"):
            record.forms = None
            continue
        record.forms = {}
        for name, act in actions.RECORD_ACTIONS[model][1].items():
            if not act.shows_form:
                continue
            key = f"{model}-{record.pk}-{name}"
            if key == form_key and bound_form is not None:
                form = bound_form
            else:
                initial = _initial(record) if act.edits_record else {}
                form = act.form(prefix=key, initial=initial)
            # Underscored keys, so templates can write forms.edit_atomic.
            record.forms[name.replace("-", "_")] = form
        if model in forms.LINK_TARGETS:
            key = f"{model}-{record.pk}-link"
            if form_key.startswith(key) and bound_form is not None:
                record.link_form = bound_form
            else:
                record.link_form = forms.LinkForm(
                    prefix=key, sandbox=sandbox, target_model=forms.LINK_TARGETS[model]
                )


POLL_SALT = "playground.poll"


def _poll_signer() -> signing.Signer:
    # "12.<signature>": URL-safe as it stands, and checked with one HMAC (no
    # timestamp, JSON or base64 to decode: every open page asks every second).
    return signing.Signer(salt=POLL_SALT, sep=".")


def poll_token(sandbox: Sandbox) -> str:
    """A signed sandbox id for the poll URL: lets "anything new?" skip the
    session lookup. It only ever answers "no" (204); fresh content is served
    through the visitor's own session."""
    return _poll_signer().sign(str(sandbox.pk))


def polled_sandbox_id(token: str) -> int | None:
    try:
        value = _poll_signer().unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdecimal() and len(value) < 19 else None


def current_version(sandbox_id: int) -> str | None:
    """The sandbox's version, for the poll's "nothing changed" answer.

    Plain SQL, the one place the playground keeps it: every open page asks
    once a second, and building the ORM's query costs more than running it.
    docs/benchmarks.md measures the poll both ways in the same run (the ORM's
    ``values_list("version", flat=True).first()`` is served by
    ``bench/baseline.py``): see "What plain SQL buys"."""
    table = connection.ops.quote_name(Sandbox._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {table} WHERE id = %s", [sandbox_id])
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def _view_state(request) -> tuple[bool, int | None]:
    """What the page shows beyond its defaults: every row ("Show all"), and
    the log down to an older entry ("Show older entries"). The page keeps
    both in hidden inputs that every htmx request of the panel includes
    (``hx-include=".pg-view-state"``), so an action, a live update or another
    tab's change re-renders what the learner was looking at. Without JS,
    "Show all" is the page's ``?rows=all``."""
    params = request.GET
    if request.method == "POST":
        try:
            params = request.POST
        except (
            BadRequest,
            SuspiciousOperation,
            MultiPartParserError,
            UnicodeDecodeError,
            UnreadablePostError,
        ):
            # An unreadable body carries no view state; the action it asked
            # for has been judged already (a form refuses such a body).
            params = QueryDict()
    down_to = params.get("log_down_to", "")
    return (
        params.get("rows") == "all",
        int(down_to) if down_to.isdecimal() and len(down_to) < 19 else None,
    )


def _beside_a_lesson(request) -> bool:
    if request.resolver_match and request.resolver_match.view_name == "lessons:detail":
        return True
    current = getattr(request.htmx, "current_url_abs_path", None) if request.htmx else None
    return bool(current and current.startswith("/lessons/"))


def section_heading_level(request) -> int:
    """The level of the panel's own headings (Products, Signal log…): one
    below its title, which is the page's h1 on the scenario's own page and
    an h2 under the lesson's title beside a lesson."""
    return 3 if _beside_a_lesson(request) else 2


def panel_context(
    request,
    sandbox: Sandbox,
    scenario: Scenario,
    *,
    outcome: Outcome | None = None,
    bound_form=None,
    form_key: str = "",
    log_before: int | None = None,
) -> dict:
    blank_forms = {
        key: act.form(prefix=key) for key, act in actions.SANDBOX_ACTIONS.items() if act.shows_form
    }
    if bound_form is not None and form_key in blank_forms:
        blank_forms[form_key] = bound_form
    all_rows, log_down_to = _view_state(request)
    shown = records(sandbox, scenario, all_rows=all_rows)
    for model in actions.RECORD_ACTIONS:
        _attach_row_forms(shown.get(f"{model}s", []), model, sandbox, bound_form, form_key)
    entries, older_than = log.page(sandbox, before=log_before, down_to=log_down_to)
    return {
        "scenario": scenario,
        # On its own page the scenario title is the page's h1; beside a
        # lesson it is an h2 under the lesson's title.
        "standalone": not _beside_a_lesson(request),
        "section_level": section_heading_level(request),
        "poll_token": poll_token(sandbox),
        "link_operations": LINK_OPERATIONS,
        "sandbox": sandbox,
        "outcome": outcome,
        # Underscored keys, so templates can write forms.product_create.
        "forms": {key.replace("-", "_"): form for key, form in blank_forms.items()},
        # A form with errors for one record's action (edit, stock, review…).
        "bound_form": bound_form,
        "form_key": form_key,
        **shown,
        "actions": entries,
        # The log's next page: entries older than this id.
        "older_than": older_than,
        # Without JS, "Show older entries" is this same page further back.
        "log_before": log_before,
        # What the page was showing beyond the default (see _view_state).
        "all_rows": all_rows,
        "log_down_to": log_down_to if entries else None,
        "emails": outbox.recent(sandbox.pk),
        "outbox_limit": outbox.RECENT_EMAILS,
        "own_receivers": own_receivers(scenario),
    }


# Marks a 404 that carries the panel, for the playground's script: htmx
# swaps no 404 (a missing page is not a panel), but this one is a refused
# action's panel with its message.
PANEL_HEADER = "X-Playground-Panel"


def render_panel(
    request,
    sandbox: Sandbox,
    scenario: Scenario,
    *,
    outcome: Outcome | None = None,
    form=None,
    form_key: str = "",
    log_before: int | None = None,
    status: int = 200,
):
    """The panel for htmx, or the scenario's whole page without it."""
    context = panel_context(
        request,
        sandbox,
        scenario,
        outcome=outcome,
        bound_form=form,
        form_key=form_key,
        log_before=log_before,
    )
    template = "playground/panel.html#panel" if request.htmx else "playground/scenario.html"
    response = render(request, template, context, status=status)
    if status == 404:
        response[PANEL_HEADER] = "true"
    return response


# After a product create the page needs three new pieces, not a new panel:
# the row, the log entry and the e-mails the receivers sent. Only for products:
# a new article or tag also changes the other model's link forms, so those
# re-render it all.
VERSION_HEADER = "X-Playground-Version"


def _shown_version(request) -> int | None:
    """The sandbox version the page showed when it sent this request."""
    value = request.headers.get(VERSION_HEADER, "")
    return int(value) if value.isdecimal() and len(value) < 20 else None


def render_added(request, sandbox: Sandbox, scenario: Scenario, outcome: Outcome):
    """The ``product_added`` fragment, or None when the page needs the whole
    panel: not htmx, the action failed, the scenario shows no products, or
    the page was not exactly one change behind (someone changed the sandbox
    meanwhile, in another tab or in the admin)."""
    entry = outcome.entry
    if not request.htmx or not outcome.ok or entry is None:
        return None
    if "products" not in scenario.records or _shown_version(request) != entry.version - 1:
        return None
    sandbox.version = entry.version
    context = {
        "scenario": scenario,
        "sandbox": sandbox,
        "poll_token": poll_token(sandbox),
        "product": new_product_row(outcome.result, sandbox),
        # The form again, blank, for the next product.
        "forms": {
            "product_create": actions.SANDBOX_ACTIONS["product-create"].form(
                prefix="product-create"
            )
        },
        "action": entry,  # the name the action_entry partial reads
        "own_receivers": own_receivers(scenario),
        # Newest first, as the outbox lists them.
        "new_emails": outcome.emails[::-1],
    }
    response = render(request, "playground/panel.html#product_added", context)
    return reswap(response, "none")  # everything in it is out of band


def new_product_row(product: Product, sandbox: Sandbox) -> Product:
    """A just-created product, ready for the ``product_row`` partial."""
    product.review_count = 0
    product.forms = None  # closed, like every row of a fresh page
    return product


def render_row(request, sandbox: Sandbox, scenario: Scenario, model: str, pk: int):
    """One record's row, open with its forms (its "Edit" link, with htmx)."""
    record = get_object_or_404(_queryset(f"{model}s", sandbox), pk=pk)
    _attach_row_forms([record], model, sandbox, None, f"{model}-{pk}")
    context = {
        "scenario": scenario,
        "sandbox": sandbox,
        model: record,
        "link_operations": LINK_OPERATIONS,
        "opened": True,
    }
    return render(request, f"playground/panel.html#{model}_row", context)


def render_older_entries(request, sandbox: Sandbox, scenario: Scenario, before: int):
    """The log's next page, to append below the entries the page shows."""
    entries, older_than = log.page(sandbox, before=before)
    context = {
        "scenario": scenario,
        "actions": entries,
        "older_than": older_than,
        # From now on the page shows its log down to here.
        "log_down_to": entries[-1].pk if entries else None,
        "own_receivers": own_receivers(scenario),
    }
    return render(request, "playground/panel.html#older_entries", context)


def listening_context(scenario: Scenario) -> dict:
    """ "Who is listening?": the receivers of each of the scenario's signals."""
    return {
        "scenario": scenario,
        "listening": [inspector.listeners(name) for name in scenario.signals],
    }


def own_receivers(scenario: Scenario) -> set[str]:
    return {f"playground.receivers.{name}" for name in scenario.receivers}


async def aget_product(sandbox: Sandbox, pk: int) -> Product:
    return await aget_object_or_404(Product, pk=pk, sandbox=sandbox)
