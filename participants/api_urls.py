"""URLs of the participants REST API, mounted at ``/api/v1/``.

URL names are stable: integrations and the security matrix refer to them.
"""

from __future__ import annotations

from django.urls import path

from . import api

app_name = "participants_api"

urlpatterns = [
    path("participants/", api.ParticipantListApi.as_view(), name="participant-list"),
    path("participants/<id:pk>/", api.ParticipantDetailApi.as_view(), name="participant-detail"),
]
