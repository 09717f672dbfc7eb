from __future__ import annotations

from django.urls import path

from .views import contacts, corrections, enrolments, groups, sessions, signals, team, worklist

app_name = "groups"

# Each feature's view module owns its URL patterns; they are joined here.
urlpatterns = [
    path("", worklist.worklist, name="worklist"),
    path("team/", team.team, name="team"),
    *signals.urlpatterns,
    *contacts.urlpatterns,
    *corrections.urlpatterns,
    *groups.urlpatterns,
    *enrolments.urlpatterns,
    *sessions.urlpatterns,
]
