"""Top-level URL map: the lesson reader owns the site root."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from tutorial import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("playground/", include("playground.urls")),
    path("", include("lessons.urls")),
]

# Uploaded product images. static() serves them only with DEBUG on; a
# production deployment points its web server at MEDIA_ROOT.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "tutorial.views.page_not_found"
