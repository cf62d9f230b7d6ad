"""Top-level URL map: the lesson reader owns the site root."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from tutorial import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("playground/", include("playground.urls")),
    path("", include("lessons.urls")),
]


def media(request, path):
    """Uploaded product images: small, few, and each at most 2 MB, so Django
    serves them itself in every mode (a busy deployment can hand MEDIA_ROOT to
    its web server instead, with the same nosniff header). serve() refuses
    paths outside MEDIA_ROOT; like every response here, it passes through
    SecurityMiddleware, which adds ``X-Content-Type-Options: nosniff``."""
    # MEDIA_ROOT is read per request, so a test's own folder is served.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", media)]

handler400 = "tutorial.views.bad_request"
handler404 = "tutorial.views.page_not_found"
