"""URLs of the groups REST API, mounted at ``/api/v1/``."""

from __future__ import annotations

app_name = "groups_api"

urlpatterns: list = []
