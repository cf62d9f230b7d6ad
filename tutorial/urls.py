"""Top-level URL map: the lesson reader owns the site root."""

from django.contrib import admin
from django.urls import include, path

from tutorial import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("playground/", include("playground.urls")),
    path("", include("lessons.urls")),
]

handler404 = "tutorial.views.page_not_found"
