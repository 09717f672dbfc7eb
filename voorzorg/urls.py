from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from voorzorg.accounts import views as account_views
from voorzorg.core import statements
from voorzorg.core import views as core_views

admin.site.site_header = "Voorzorg — technisch beheer"
admin.site.site_title = "Voorzorg"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("", include("voorzorg.accounts.urls")),
    # Second factor: setup, QR code, backup codes (namespace "two_factor").
    path("", include("voorzorg.accounts.two_factor_urls")),
    path("", include("referrals.urls")),
    path("", include("participants.urls")),
    path("werklijst/", include("groups.urls")),
    path("dashboard/", include("monitoring.urls")),
    path("beheer/audit/", include("voorzorg.audit.viewer.urls")),
    path("meldingen/", include("voorzorg.notifications.urls")),
    path("", include("voorzorg.api.urls")),
    path("api/", include("voorzorg.api.rest_urls")),
    path("fhir/", include("voorzorg.fhir.urls")),
    # Public statements, linked from every footer and the self-registration consent.
    path("privacy/", statements.privacy_statement, name="privacy_statement"),
    path("toegankelijkheid/", statements.accessibility_statement, name="accessibility_statement"),
    path("taal/", set_language, name="set_language"),
    # Probes (voorzorg/core/health.py): /health/ (database and broker, kept as it was),
    # liveness and readiness. Any Host, plain http: see HealthProbeAnyHostMiddleware.
    path("health/", core_views.health, name="health"),
    path("health/live/", core_views.health_live, name="health_live"),
    path("health/ready/", core_views.health_ready, name="health_ready"),
    path("django-admin/", admin.site.urls),
]

# Single sign-on through the region's OpenID Connect provider, only when it is configured
# (OIDC_ENABLED): /oidc/authenticate/ and /oidc/callback/ (voorzorg.accounts.sso).
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("voorzorg.accounts.sso_urls")))
