"""URLs of the groups REST API, mounted at ``/api/v1/``.

Peer groups and their sessions (``api.groups``), contacts and Positieve Gezondheid
(``api.contacts``), care signals (``api.signals``). Ids use the ``id`` converter, so a
number too large for the database is a plain 404.
"""

from __future__ import annotations

from django.urls import path

from .api.contacts import ContactsApi, HealthMeasurementsApi
from .api.groups import GroupDetailApi, GroupListApi, GroupSessionsApi, SessionDetailApi
from .api.signals import SignalAcknowledgeApi, SignalDetailApi, SignalResolveApi, SignalsApi

app_name = "groups_api"

urlpatterns = [
    path("groups/", GroupListApi.as_view(), name="group-list"),
    path("groups/<id:pk>/", GroupDetailApi.as_view(), name="group-detail"),
    path("groups/<id:pk>/sessions/", GroupSessionsApi.as_view(), name="session-list"),
    path("sessions/<id:pk>/", SessionDetailApi.as_view(), name="session-detail"),
    path("contacts/", ContactsApi.as_view(), name="contact-list"),
    path("health-measurements/", HealthMeasurementsApi.as_view(), name="health-measurement-list"),
    path("signals/", SignalsApi.as_view(), name="signal-list"),
    path("signals/<id:pk>/", SignalDetailApi.as_view(), name="signal-detail"),
    path("signals/<id:pk>/acknowledge/", SignalAcknowledgeApi.as_view(), name="signal-acknowledge"),
    path("signals/<id:pk>/resolve/", SignalResolveApi.as_view(), name="signal-resolve"),
]
