from django.urls import path

from lessons import views

app_name = "lessons"

urlpatterns = [
    path("", views.lesson_index, name="index"),
    path("search/", views.search, name="search"),
    path("reference/", views.signal_reference, name="reference"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="detail"),
    path("lessons/<slug:slug>/tests/", views.run_tests, name="run_tests"),
    path("lessons/<slug:slug>/tests/<int:run_id>/", views.test_run, name="test_run"),
    path(
        "lessons/<slug:slug>/exercises/<slug:name>/prediction/",
        views.prediction,
        name="prediction",
    ),
]
