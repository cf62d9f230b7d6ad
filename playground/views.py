"""Thin views: find the sandbox and the record, validate, perform, render."""

from asgiref.sync import sync_to_async
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from playground import actions, panels, scenarios, services
from playground.forms import LINK_TARGETS, LinkForm, SwitchForm
from playground.models import LogEntry
from playground.performing import Outcome, aperform, perform
from playground.sandboxes import (
    SESSION_KEY,
    OverBudget,
    reset,
    sandbox_for,
    sandbox_for_action,
    take_image_bytes,
)
from playground.services import LINK_OPERATIONS
from playground.timeline import lay_out


def _scenario_or_404(slug: str) -> scenarios.Scenario:
    scenario = scenarios.get(slug)
    if scenario is None:
        raise Http404(f"No playground scenario called {slug!r}")
    return scenario


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "playground/index.html", {"scenarios": scenarios.SCENARIOS})


@require_GET
def scenario_page(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = scenarios.get(slug)
    if scenario is None:
        # Rendered, not raised: the page keeps the site's style with DEBUG on.
        return render(
            request,
            "playground/not_found.html",
            {"slug": slug, "scenarios": scenarios.SCENARIOS},
            status=404,
        )
    sandbox = sandbox_for(request, scenario.slug)
    context = panels.panel_context(request, sandbox, scenario)
    return render(request, "playground/scenario.html", context)


@require_GET
def panel(request: HttpRequest, slug: str) -> HttpResponse:
    """The panel alone: lesson pages load it after the text, so the lesson
    itself stays static, cached HTML."""
    scenario = _scenario_or_404(slug)
    sandbox = sandbox_for(request, scenario.slug)
    context = panels.panel_context(request, sandbox, scenario)
    return render(request, "playground/panel.html#panel", context)


@require_GET
def live(request: HttpRequest, slug: str) -> HttpResponse:
    """Polled every second: 204 when nothing changed, else fresh fragments.

    Every open page asks once a second, so "nothing changed" must be cheap:
    the poll URL carries a signed sandbox id, which answers it with one
    indexed read and no session lookup. Anything else takes the full path,
    through the visitor's session.
    """
    scenario = _scenario_or_404(slug)
    polled = panels.polled_sandbox_id(request.GET.get("s", ""))
    if polled is not None and request.GET.get("v") == panels.current_version(polled):
        return HttpResponse(status=204)
    sandbox = sandbox_for(request, scenario.slug)
    if request.GET.get("v") == str(sandbox.version):
        return HttpResponse(status=204)
    context = panels.panel_context(request, sandbox, scenario)
    return render(request, "playground/panel.html#live_update", context)


@require_GET
def row(request: HttpRequest, slug: str, model: str, pk: int) -> HttpResponse:
    """A row's "Edit": with htmx, the row alone, open with its forms;
    without JS, the page with that row open."""
    scenario = _scenario_or_404(slug)
    if model not in actions.RECORD_ACTIONS or f"{model}s" not in scenario.records:
        raise Http404(f"No {model!r} rows in this scenario")
    sandbox = sandbox_for(request, scenario.slug)
    if request.htmx:
        return panels.render_row(request, sandbox, scenario, model, pk)
    get_object_or_404(actions.RECORD_ACTIONS[model][0], pk=pk, sandbox=sandbox)
    return panels.render_panel(request, sandbox, scenario, form_key=f"{model}-{pk}")


@require_GET
def listening(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Who is listening?" when opened: with htmx the list alone, without
    JS a page of its own."""
    scenario = _scenario_or_404(slug)
    context = panels.listening_context(scenario)
    # Inside the panel, each signal is a heading under the panel's sections.
    context["heading_level"] = panels.section_heading_level(request) + 1
    template = "playground/panel.html#listeners" if request.htmx else "playground/listening.html"
    return render(request, template, context)


@require_GET
def older_entries(request: HttpRequest, slug: str) -> HttpResponse:
    """The log's "Show older entries": with htmx, the next entries alone;
    without JS, the page with its log starting there."""
    scenario = _scenario_or_404(slug)
    before = request.GET.get("before", "")
    if not before.isdecimal() or len(before) > 18:
        message = "“before” must be a log entry's id."
        if request.htmx:  # the playground's script shows a plain-text answer
            return HttpResponseBadRequest(message, content_type="text/plain")
        return render(request, "400.html", {"message": message}, status=400)
    sandbox = sandbox_for(request, scenario.slug)
    if request.htmx:
        return panels.render_older_entries(request, sandbox, scenario, int(before))
    return panels.render_panel(request, sandbox, scenario, log_before=int(before))


@require_GET
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the visitor's log entries as a timeline (SVG drawn here). The
    URL names no scenario, so an entry's markup is the same in every log
    that shows it; only the visitor whose sandbox holds it may open it."""
    entry = get_object_or_404(
        LogEntry.objects.select_related("sandbox"),
        pk=pk,
        sandbox__visitor_id=request.session.get(SESSION_KEY) or 0,
    )
    scenario = scenarios.get(entry.sandbox.scenario)
    context = {"scenario": scenario, "entry": entry, "timeline": lay_out(entry)}
    return render(request, "playground/timeline.html", context)


def _respond(request, sandbox, scenario, outcome: Outcome | None = None, form=None, form_key=""):
    """The page after an action: the panel for htmx; without JS, back to the
    page when all went well, or the page with the message when not.

    A refused action reopens the form it came from: with what the learner
    typed when a value did not fit (422), so it can be corrected; with the
    record's current values otherwise (a stale edit's 409)."""
    status = outcome.status if outcome is not None and outcome.error else 200
    if status == 200 and not request.htmx:
        return redirect(reverse("playground:scenario", args=[scenario.slug]) + "#playground")
    if outcome is None or not outcome.refused:
        form, form_key = None, ""
    elif status != 422:
        form = None
    return panels.render_panel(
        request, sandbox, scenario, outcome=outcome, form=form, form_key=form_key, status=status
    )


# A 2 MB image plus the form's other fields; anything bigger is refused
# before Django reads (and spools to disk) the body.
MAX_REQUEST_BYTES = 2 * 1024 * 1024 + 64 * 1024


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES
    except ValueError:
        return True


def _perform(request, sandbox, scenario, act: actions.Act, target, form_key: str):
    """Validate the act's form, run it under the recorder, answer."""
    if _too_large(request):
        error = "The upload is larger than 2 MB. Choose a smaller image."
        return _respond(request, sandbox, scenario, Outcome(error=error, status=413))
    form = act.form(request.POST, request.FILES, prefix=form_key)
    if not form.is_valid():
        return panels.render_panel(
            request, sandbox, scenario, form=form, form_key=form_key, status=422
        )
    data = form.cleaned_data
    if data.get("image"):
        try:
            take_image_bytes(request, sandbox, data["image"].size)
        except OverBudget as refusal:
            response = _respond(request, sandbox, scenario, Outcome(error=str(refusal), status=429))
            if refusal.retry_after is not None:
                response["Retry-After"] = str(refusal.retry_after)
            return response
    outcome = perform(
        sandbox, act.label(target, data), lambda: act.run(target, data), scenario=scenario.slug
    )
    if act.in_place and (added := panels.render_added(request, sandbox, scenario, outcome)):
        return added
    return _respond(request, sandbox, scenario, outcome, form, form_key)


@require_POST
def act_on_sandbox(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Create products, articles, tags; the bulk operations."""
    scenario = _scenario_or_404(slug)
    act = actions.SANDBOX_ACTIONS.get(action)
    if act is None:
        raise Http404(f"No action called {action!r}")
    sandbox = sandbox_for_action(request, scenario.slug)
    return _perform(request, sandbox, scenario, act, sandbox, form_key=action)


@require_POST
def act_on_record(request: HttpRequest, slug: str, model: str, pk: int, action: str):
    """Edit, delete, view, share… one record."""
    scenario = _scenario_or_404(slug)
    model_class, table = actions.RECORD_ACTIONS.get(model, (None, {}))
    act = table.get(action)
    if act is None:
        raise Http404(f"No action called {action!r} for {model!r}")
    sandbox = sandbox_for_action(request, scenario.slug)
    # Filtering by sandbox is the isolation: another sandbox's id is a 404.
    record = get_object_or_404(model_class, pk=pk, sandbox=sandbox)
    return _perform(request, sandbox, scenario, act, record, form_key=f"{model}-{pk}-{action}")


@require_POST
def link_action(request: HttpRequest, slug: str, model: str, pk: int, operation: str):
    """add / remove / clear / set on Article.tags, from either side."""
    scenario = _scenario_or_404(slug)
    if model not in LINK_TARGETS or operation not in LINK_OPERATIONS:
        raise Http404("No such link operation")
    sandbox = sandbox_for_action(request, scenario.slug)
    model_class = actions.RECORD_ACTIONS[model][0]
    record = get_object_or_404(model_class, pk=pk, sandbox=sandbox)
    form_key = f"{model}-{pk}-link"
    form = LinkForm(
        request.POST, prefix=form_key, sandbox=sandbox, target_model=LINK_TARGETS[model]
    )
    if not form.is_valid():
        return panels.render_panel(
            request, sandbox, scenario, form=form, form_key=form_key, status=422
        )
    targets = list(form.cleaned_data["targets"])
    manager = getattr(record, actions.LINK_MANAGERS[model])
    outcome = perform(
        sandbox,
        actions.link_label(record, operation, targets),
        lambda: services.change_links(manager=manager, operation=operation, targets=targets),
        scenario=scenario.slug,
    )
    return _respond(request, sandbox, scenario, outcome, form, form_key)


@require_POST
def switch(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    scenario = _scenario_or_404(slug)
    if name not in services.SWITCHES or not scenario.has_switch(name):
        raise Http404(f"No switch called {name!r} in this scenario")
    sandbox = sandbox_for_action(request, scenario.slug)
    form = SwitchForm(request.POST)
    if "on" not in request.POST or not form.is_valid():
        # The switch's form always sends "on" (empty for off): without it,
        # the request did not come from the page, so change nothing.
        error = "The switch's form arrived incomplete; nothing was changed."
        return _respond(request, sandbox, scenario, Outcome(error=error, status=422))
    services.sandbox_set_switch(sandbox=sandbox, name=name, on=form.cleaned_data["on"])
    return _respond(request, sandbox, scenario)


@require_POST
def reset_sandbox(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario_or_404(slug)
    sandbox = sandbox_for_action(request, scenario.slug)
    reset(sandbox)
    sandbox.refresh_from_db()
    return _respond(request, sandbox, scenario, Outcome(result="reset"))


@require_POST
async def view_product_async(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An async view: ``await product_viewed.asend(...)``."""
    scenario = _scenario_or_404(slug)
    sandbox = await sync_to_async(sandbox_for_action)(request, scenario.slug)
    product = await panels.aget_product(sandbox, pk)
    outcome = await aperform(
        sandbox,
        f"Viewed Product {product.name!r} from an async view: await product_viewed.asend()",
        lambda: services.product_view_async(product=product),
        scenario=scenario.slug,
    )
    return await sync_to_async(_respond)(request, sandbox, scenario, outcome)


class RaisedOnPurpose(Exception):
    """The exception the "raise inside a view" button raises."""


@require_POST
def raise_in_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Raise, so Django sends got_request_exception and answers 500.

    The playground middleware logs this request's signals and turns the 500
    into the panel with an explanation, so the learner sees the log.
    """
    scenario = _scenario_or_404(slug)
    sandbox_for_action(request, scenario.slug)
    request.raised_on_purpose = True
    raise RaisedOnPurpose("raised on purpose by the playground's “Raise inside a view” button")


raise_in_view.always_log_request = True
