"""Site-wide views that belong to no single app."""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for load balancers and benchmarks.

    It must stay this cheap: no database, no session, no template. The
    benchmarks measure every other page as a ratio against it.
    """
    return HttpResponse("ok", content_type="text/plain")


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness probe: can this process serve pages right now?

    Unlike ``healthz`` it asks the database: it must be reachable and every
    migration applied (a server started before ``migrate`` finished would
    answer 500s). 503 with a one-line reason otherwise; the details go to the
    server log, not to whoever probes.
    """
    try:
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        logger.warning("readyz: the database cannot be reached: %s", error)
        return HttpResponse("database unreachable", status=503, content_type="text/plain")
    if unapplied:
        return HttpResponse(
            f"{len(unapplied)} migration{pluralize(len(unapplied))} not applied",
            status=503,
            content_type="text/plain",
        )
    return HttpResponse("ready", content_type="text/plain")


def login_locked_out(request: HttpRequest, original_response, credentials) -> HttpResponse:
    """django-axes' answer once a username is locked out (AXES_LOCKOUT_CALLABLE)."""
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(
        request,
        "locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": cool_off // 60},
        status=429,
    )
    # Every attempt during the lockout starts the cool-off again.
    response["Retry-After"] = str(cool_off)
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site-styled 404 for any unknown URL (used when DEBUG is off)."""
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django could not parse (too many fields, too large): say so."""
    return render(request, "400.html", status=400)
