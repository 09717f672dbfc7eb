from __future__ import annotations

from django.urls import path

from .views import worklist

app_name = "groups"

# Each feature's view module owns its URL patterns; they are joined here.
urlpatterns = [
    path("", worklist.worklist, name="worklist"),
]
