"""URLs of the referrals REST API, mounted at ``/api/v1/``."""

from __future__ import annotations

app_name = "referrals_api"

urlpatterns: list = []
