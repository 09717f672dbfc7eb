from __future__ import annotations

from django.urls import path

from . import merge_views, views

app_name = "participants"

urlpatterns = [
    # AVG: inzage and dataportabiliteit (POH of the practice, admin), erasure (admin).
    path("deelnemers/<int:pk>/gegevens/", views.export_page, name="export"),
    path("deelnemers/<int:pk>/gegevens.json", views.export_json, name="export_json"),
    path("deelnemers/<int:pk>/wissen/", views.erase, name="erase"),
    # Rectification (POH of the practice, admin): a new version with a reason.
    path("deelnemers/<int:pk>/corrigeren/", views.edit, name="edit"),
    # Two records of one person made one (admin), and undone within 30 days.
    path("deelnemers/<int:pk>/samenvoegen/", merge_views.merge, name="merge"),
    path("samenvoegingen/<int:pk>/terugdraaien/", merge_views.merge_undo, name="merge_undo"),
]
