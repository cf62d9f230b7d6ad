"""Site-wide views that belong to no single app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for load balancers and benchmarks.

    It must stay this cheap: no database, no session, no template. The
    benchmarks measure every other page as a ratio against it.
    """
    return HttpResponse("ok", content_type="text/plain")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site-styled 404 for any unknown URL (used when DEBUG is off)."""
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django could not parse (too many fields, too large): say so."""
    return render(request, "400.html", status=400)
