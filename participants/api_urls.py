"""URLs of the participants REST API, mounted at ``/api/v1/``."""

from __future__ import annotations

app_name = "participants_api"

urlpatterns: list = []
