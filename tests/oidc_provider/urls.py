"""The test provider's pages: its sign-in form and the OpenID Connect endpoints."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path(
        "inloggen/",
        auth_views.LoginView.as_view(template_name="provider/login.html"),
        name="login",
    ),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
]
