"""django-two-factor-auth's pages under the names it reverses itself ("two_factor:…").

Our own subclasses and Dutch paths; no profile or "disable" page: the second factor is
not optional, and only an admin removes a device (the user admin's reset action).
"""

from __future__ import annotations

from django.urls import path
from two_factor.views import BackupTokensView, SetupCompleteView

from . import views

app_name = "two_factor"

urlpatterns = [
    # The same view as accounts:login, for code that reverses two_factor:login.
    path("account/inloggen/", views.LoginView.as_view(), name="login"),
    path("account/tweede-stap/instellen/", views.SetupView.as_view(), name="setup"),
    path("account/tweede-stap/qr-code/", views.QRGeneratorView.as_view(), name="qr"),
    path("account/tweede-stap/klaar/", SetupCompleteView.as_view(), name="setup_complete"),
    path("account/tweede-stap/reservecodes/", BackupTokensView.as_view(), name="backup_tokens"),
]
