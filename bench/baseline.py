"""The create target's baseline: a plain create of the same model, served by
the same server as the site (``bench/settings.py`` adds this URL).

It is the playground's "Create product" request with the signals taken out.
The same middleware (session, CSRF, the visitor's sandbox and its rate limit),
the same form, the same room check and the same new row in the answer; but
the row is written with ``bulk_create()``, which sends no save signals, so no
save receiver runs and nothing is recorded or logged. (``Product()`` itself
still sends ``pre_init``/``post_init``, as every instance does; their two
lesson receivers only return a sentence.)
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from playground import panels, scenarios
from playground.forms import ProductCreateForm
from playground.models import Product, Sandbox
from playground.sandboxes import sandbox_for_action
from playground.services import LimitReached, check_room
from tutorial.urls import handler400, handler404
from tutorial.urls import urlpatterns as site_urlpatterns

SCENARIO = scenarios.get("signals-101")
PATH = "bench/plain-create/"


@require_POST
def plain_create(request):
    sandbox = sandbox_for_action(request, SCENARIO.slug)
    form = ProductCreateForm(request.POST, prefix="product-create")
    if not form.is_valid():
        return HttpResponse("Invalid product.", status=422, content_type="text/plain")
    data = form.cleaned_data
    try:
        check_room(Product, sandbox)
    except LimitReached as error:
        return HttpResponse(str(error), status=409, content_type="text/plain")
    [product] = Product.objects.bulk_create(
        [Product(sandbox=sandbox, name=data["name"], price=data["price"], stock=data["stock"])]
    )
    context = {"scenario": SCENARIO, "product": panels.new_product_row(product, sandbox)}
    return render(request, "playground/panel.html#product_row", context)


@require_GET
def live_with_the_orm(request, slug):
    """The live poll's "nothing changed" answer, with the sandbox's version
    read through the ORM instead of ``panels.current_version``'s plain SQL:
    the benchmark measures both in the same rounds (only a 204 counts)."""
    if scenarios.get(slug) is None:
        return HttpResponse("No such scenario.", status=404, content_type="text/plain")
    polled = panels.polled_sandbox_id(request.GET.get("s", ""))
    version = Sandbox.objects.filter(pk=polled).values_list("version", flat=True).first()
    if polled is not None and request.GET.get("v") == str(version):
        return HttpResponse(status=204)
    return HttpResponse("Changed, or not a poll.", status=409, content_type="text/plain")


# Under /playground/ and ending in /live/, like the real poll, so the
# playground's middleware treats it as a poll too (recording.is_poll).
LIVE_WITH_THE_ORM_PATH = "playground/<slug:slug>/orm/live/"

urlpatterns = [
    path(PATH, plain_create),
    path(LIVE_WITH_THE_ORM_PATH, live_with_the_orm),
    *site_urlpatterns,
]
__all__ = ["handler400", "handler404", "urlpatterns"]
