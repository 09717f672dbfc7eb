from __future__ import annotations

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.log_view, name="log"),
    path("export.csv", views.log_export, name="export"),
    path("deelnemer/<str:public_id>/", views.participant_overview, name="participant"),
    path("noodtoegang/", views.break_glass, name="break_glass"),
    path("noodtoegang/<int:pk>/", views.break_glass_detail, name="break_glass_detail"),
    path("noodtoegang/<int:pk>/openen/", views.break_glass_open, name="break_glass_open"),
    path(
        "noodtoegang/<int:pk>/beoordelen/",
        views.break_glass_review_view,
        name="break_glass_review",
    ),
]
