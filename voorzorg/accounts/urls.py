from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import profile_views, views
from .administration import organisations, users

app_name = "accounts"

urlpatterns = [
    # Password, then the second factor (django-two-factor-auth's wizard, our templates).
    path("account/inloggen/", views.LoginView.as_view(), name="login"),
    path("account/uitloggen/", views.LogoutView.as_view(), name="logout"),
    path("account/tweede-stap/", views.verify, name="verify"),
    path("account/blijf-ingelogd/", views.keepalive, name="keepalive"),
    path(
        "account/wachtwoord-vergeten/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset_form.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "account/wachtwoord-vergeten/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "account/wachtwoord-herstellen/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "account/wachtwoord-herstellen/klaar/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("account/rol-wisselen/", views.switch_role, name="switch_role"),
    path("mijn-organisatie/", views.my_organisation, name="my_organisation"),
    path("organisaties/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("mijn-profiel/", profile_views.my_expert_profile, name="my_expert_profile"),
    path(
        "ervaringsdeskundigen/<int:pk>/profiel/",
        profile_views.expert_profile_detail,
        name="expert_profile",
    ),
    path("beheer/", views.beheer, name="beheer"),
    # The functional administrator's pages (voorzorg/accounts/administration).
    path("beheer/gebruikers/", users.user_list, name="user_list"),
    path("beheer/gebruikers/nieuw/", users.user_invite_view, name="user_invite"),
    path("beheer/gebruikers/<int:pk>/", users.user_detail, name="user_detail"),
    path("beheer/gebruikers/<int:pk>/bewerken/", users.user_edit, name="user_edit"),
    path(
        "beheer/gebruikers/<int:pk>/inactief/",
        users.user_deactivate_view,
        name="user_deactivate",
    ),
    path("beheer/gebruikers/<int:pk>/actief/", users.user_reactivate_view, name="user_reactivate"),
    path(
        "beheer/gebruikers/<int:pk>/uitnodiging/",
        users.user_invitation_resend_view,
        name="user_invitation_resend",
    ),
    path(
        "beheer/gebruikers/<int:pk>/tweede-stap/",
        users.user_second_factor_reset_view,
        name="user_second_factor_reset",
    ),
    path(
        "beheer/gebruikers/<int:pk>/rollen/nieuw/",
        users.membership_add_view,
        name="membership_add",
    ),
    path(
        "beheer/gebruikers/<int:pk>/rollen/<int:membership_pk>/",
        users.membership_edit,
        name="membership_edit",
    ),
    path(
        "beheer/gebruikers/<int:pk>/rollen/<int:membership_pk>/beeindigen/",
        users.membership_end_view,
        name="membership_end",
    ),
    path("beheer/organisaties/", organisations.organisation_list, name="organisation_list"),
    path(
        "beheer/organisaties/nieuw/",
        organisations.organisation_create_view,
        name="organisation_create",
    ),
    path(
        "beheer/organisaties/<int:pk>/bewerken/",
        organisations.organisation_edit,
        name="organisation_edit",
    ),
    path("beheer/regios/", organisations.region_list, name="region_list"),
    path("beheer/regios/nieuw/", organisations.region_create_view, name="region_create"),
    path("beheer/regios/<int:pk>/bewerken/", organisations.region_edit, name="region_edit"),
    path("beheer/regios/<int:pk>/treeknorm/", organisations.norm_edit, name="norm_edit"),
]
