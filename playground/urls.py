from django.urls import path

from playground import views

app_name = "playground"

urlpatterns = [
    path("", views.index, name="index"),
    path("log/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("<slug:slug>/", views.scenario_page, name="scenario"),
    path("<slug:slug>/panel/", views.panel, name="panel"),
    path("<slug:slug>/live/", views.live, name="live"),
    path("<slug:slug>/log/", views.older_entries, name="older_entries"),
    path("<slug:slug>/listening/", views.listening, name="listening"),
    path("<slug:slug>/reset/", views.reset_sandbox, name="reset"),
    path("<slug:slug>/raise/", views.raise_in_view, name="raise"),
    path("<slug:slug>/switch/<str:name>/", views.switch, name="switch"),
    path("<slug:slug>/do/<slug:action>/", views.act_on_sandbox, name="act_on_sandbox"),
    path(
        "<slug:slug>/product/<int:pk>/view-async/",
        views.view_product_async,
        name="view_async",
    ),
    path(
        "<slug:slug>/<str:model>/<int:pk>/link/<str:operation>/",
        views.link_action,
        name="link_action",
    ),
    path("<slug:slug>/<str:model>/<int:pk>/", views.row, name="row"),
    path(
        "<slug:slug>/<str:model>/<int:pk>/<slug:action>/",
        views.act_on_record,
        name="act_on_record",
    ),
]
