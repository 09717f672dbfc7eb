"""The two addresses of single sign-on, under /oidc/ and only when ``OIDC_ENABLED``.

Named as mozilla-django-oidc reverses them (no namespace). Sign-out stays
``accounts:logout``, which also ends the provider's session when it can.
"""

from __future__ import annotations

from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from .sso import SSOCallbackView

urlpatterns = [
    # The button "Inloggen via ..." links here (GET); it redirects to the provider.
    path(
        "authenticate/",
        OIDCAuthenticationRequestView.as_view(),
        name="oidc_authentication_init",
    ),
    # The provider sends the browser back here with a one-time code.
    path("callback/", SSOCallbackView.as_view(), name="oidc_authentication_callback"),
]
