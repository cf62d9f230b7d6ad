"""Thin views over the lesson catalog: no Markdown work happens here."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lessons import predictions, testruns
from lessons.forms import PredictionForm
from lessons.models import TestRun
from lessons.runtime.files import browser_runtime
from playground import panels, scenarios
from playground.sandboxes import RateLimited, sandbox_for_action


def catalog():
    # Imported on first use: the lesson tests in the learner's browser reach
    # this module through the URLconf, and the browser has no Markdown or YAML.
    from lessons.catalog import get_catalog

    return get_catalog()


def exercises_of(lesson) -> tuple:
    from lessons.exercise_catalog import get_exercises

    return get_exercises().get(lesson.slug, ())


def lesson_index(request: HttpRequest) -> HttpResponse:
    return render(request, "lessons/index.html", {"lessons": catalog().lessons})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search the course: a plain GET form, so it works without JavaScript,
    and nothing about the visitor is kept."""
    from lessons import search as course_search

    query = request.GET.get("q", "")
    context = {"query": query.strip(), "limit": course_search.MAX_RESULTS}
    try:
        context["results"] = course_search.search(query)
    except course_search.QueryTooLong as refusal:
        context["problem"] = str(refusal)
        return render(request, "lessons/search.html", context, status=400)
    return render(request, "lessons/search.html", context)


@require_GET
def signal_reference(request: HttpRequest) -> HttpResponse:
    """Every built-in signal on one page (lessons/signal_reference.py)."""
    from lessons.signal_reference import SIGNALS, by_family

    lessons = catalog()
    families = [
        (title, [(signal, lessons.get(signal.lesson)) for signal in members])
        for title, members in by_family()
    ]
    return render(request, "lessons/reference.html", {"families": families, "signals": SIGNALS})


# Outside local mode a lesson page is the same bytes for every visitor (no
# form, no session, no nonce): render each one once per process. This is
# content, like the catalog, not per-visitor state.
_rendered_lessons: dict[str, bytes] = {}


def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # The page loads its playground and its predictions' forms apart, at the
    # same time. Without a CSRF cookie yet, each of those answers would set
    # its own, and only the last one's forms would post. The page's own
    # answer sets it first (the cached HTML holds no token).
    get_token(request)
    if not settings.LOCAL_MODE and slug in _rendered_lessons:
        return HttpResponse(_rendered_lessons[slug])
    lessons = catalog()
    lesson = lessons.get(slug)
    if lesson is None:
        # Rendered here rather than raising Http404 so the page keeps the
        # site's style even with DEBUG on, and can point to real lessons.
        return render(
            request,
            "lessons/not_found.html",
            {"slug": slug, "lessons": lessons.lessons},
            status=404,
        )
    response = render(
        request,
        "lessons/detail.html",
        {
            "lesson": lesson,
            "lessons": lessons.lessons,
            "previous": lessons.previous(lesson),
            "next": lessons.next(lesson),
            "scenario": scenarios.get(lesson.playground),
            "test_module": testruns.lesson_test_module(lesson.slug).relative_to(settings.BASE_DIR),
            "local_mode": settings.LOCAL_MODE,
            "browser_runtime": browser_runtime(),
            "exercises": exercises_of(lesson),
        },
    )
    if not settings.LOCAL_MODE:
        _rendered_lessons[slug] = response.content
    return response


def _local_lesson_or_404(slug: str):
    lesson = catalog().get(slug)
    if not settings.LOCAL_MODE or lesson is None:
        raise Http404("Running tests from the page is only available in local mode.")
    return lesson


# The lesson page's button asks with htmx and shows the answer in place;
# without JavaScript the form posts, and the run gets a page of its own.


@require_POST
def run_tests(request: HttpRequest, slug: str) -> HttpResponse:
    """Start this lesson's tests on the server (local mode only)."""
    lesson = _local_lesson_or_404(slug)
    try:
        run = testruns.start_run(lesson.slug)
    except testruns.RunRefused as refusal:
        return render(
            request,
            "lessons/test_run.html#refused" if request.htmx else "lessons/test_run_page.html",
            {"lesson": lesson, "message": str(refusal)},
            status=409,
        )
    testruns.execute_in_background(run)
    if not request.htmx:
        return redirect("lessons:test_run", lesson.slug, run.pk)
    return render(request, "lessons/test_run.html#run", {"lesson": lesson, "run": run})


@require_GET
def test_run(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """A run's results so far: polled by the lesson page while it runs."""
    lesson = _local_lesson_or_404(slug)
    run = get_object_or_404(TestRun, pk=run_id, lesson_slug=lesson.slug)
    template = "lessons/test_run.html#run" if request.htmx else "lessons/test_run_page.html"
    return render(request, template, {"lesson": lesson, "run": run})


def _predict_exercise_or_404(slug: str, name: str):
    lesson = catalog().get(slug)
    for exercise in exercises_of(lesson) if lesson else ():
        if exercise.slug == name and exercise.kind == "predict":
            return lesson, exercise
    raise Http404(f"No predict exercise called {name!r} in lesson {slug!r}")


@require_http_methods(["GET", "POST"])
def prediction(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """A predict exercise's form; posted, the move is made in the lesson's
    sandbox and its real log is shown beside the prediction. The lesson
    page is cached HTML, so it loads this form (and its CSRF token) apart."""
    lesson, exercise = _predict_exercise_or_404(slug, name)
    # An empty POST is a prediction too: that nothing is sent.
    posted = request.method == "POST"
    form = PredictionForm(exercise.prediction, request.POST if posted else None)
    context = {"exercise": exercise, "lesson": lesson, "form": form}
    status, retry_after = _check(request, slug, exercise, form, context) if posted else (200, None)
    template = "lessons/prediction.html#prediction" if request.htmx else "lessons/prediction.html"
    response = render(request, template, context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _check(request, slug: str, exercise, form, context: dict) -> tuple[int, int | None]:
    """Validate the prediction, make the move and compare; what the answer
    shows goes into ``context``. The HTTP status, and when to try again."""
    if not form.is_valid():
        return 422, None
    try:
        sandbox = sandbox_for_action(request, slug)
    except RateLimited as limited:
        context["problem"] = str(limited)
        return 429, limited.retry_after
    outcome, comparison = predictions.check_prediction(
        sandbox, exercise.prediction, form.cleaned_data["steps"]
    )
    if outcome.error:
        context["problem"] = outcome.error
        return outcome.status, None
    context.update(
        comparison=comparison,
        entry=outcome.entry,
        own_receivers=panels.own_receivers(scenarios.get(slug)),
    )
    return 200, None
