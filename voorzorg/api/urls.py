"""Pages for API tokens (namespace "api")."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("account/api-sleutels/", views.tokens, name="tokens"),
    path(
        "account/api-sleutels/<int:pk>/intrekken/",
        views.token_revoke_view,
        name="token_revoke",
    ),
    path("beheer/api-sleutels/", views.admin_tokens, name="admin_tokens"),
]
