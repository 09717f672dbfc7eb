from __future__ import annotations

from django.urls import path

from .views import (
    actions,
    corrections,
    episodes,
    experience,
    handover,
    poh,
    provider,
    public,
    team,
)

app_name = "referrals"

urlpatterns = [
    # POH-GGZ
    path("verwijzingen/", poh.my_referrals, name="mine"),
    path("verwijzingen/export.csv", poh.export_csv, name="export"),
    path("verwijzingen/nieuw/", poh.referral_create, name="create"),
    # Everyone in scope
    path("verwijzingen/<int:pk>/", poh.referral_detail, name="detail"),
    path("verwijzingen/<int:pk>/corrigeren/", corrections.referral_edit, name="edit"),
    path("deelnemers/<int:pk>/", poh.participant_detail, name="participant"),
    path("deelnemers/<int:pk>/toestemming/", actions.consent_change, name="consent"),
    # Lifecycle actions (POST)
    path("verwijzingen/<int:pk>/accepteren/", actions.accept, name="accept"),
    path("verwijzingen/<int:pk>/afwijzen/", actions.decline, name="decline"),
    path("verwijzingen/<int:pk>/wensen/", actions.wishes, name="wishes"),
    path(
        "verwijzingen/<int:pk>/andere-ervaringsdeskundige/",
        actions.expert_change,
        name="expert_change",
    ),
    path("verwijzingen/<int:pk>/eerste-contact/", actions.first_contact, name="first_contact"),
    path("verwijzingen/<int:pk>/intrekken/", actions.withdraw, name="withdraw"),
    path("verwijzingen/<int:pk>/afsluiten/", actions.close, name="close"),
    # Bridging team
    path("aanmeldingen/", team.intake_queue, name="intake_queue"),
    # Warm handover
    path("verwijzingen/<int:pk>/overdracht/", handover.handover_edit, name="handover"),
    path(
        "verwijzingen/<int:pk>/overdracht/afronden/",
        handover.handover_complete_view,
        name="handover_complete",
    ),
    path("verwijzingen/<int:pk>/huisartsbrief/", handover.gp_letter, name="gp_letter"),
    # The participant's experience at handover: recorded with her, or on a one-time link
    path(
        "verwijzingen/<int:pk>/overdracht/ervaring/",
        handover.experience_record_view,
        name="experience_record",
    ),
    path(
        "verwijzingen/<int:pk>/overdracht/ervaring/link/",
        handover.experience_link_view,
        name="experience_link",
    ),
    # The receiving GGZ provider
    path("aanbieder/overdrachten/", provider.provider_list, name="provider_list"),
    path("aanbieder/overdrachten/<int:pk>/", provider.provider_detail, name="provider_detail"),
    path(
        "aanbieder/overdrachten/<int:pk>/bevestigen/",
        provider.provider_confirm,
        name="provider_confirm",
    ),
    path(
        "aanbieder/overdrachten/<int:pk>/afspraak/",
        provider.provider_appointment,
        name="provider_appointment",
    ),
    # Both sides of the handover: the provider's client reference and the thread (POST)
    path("verwijzingen/<int:pk>/kenmerk/", provider.link, name="link"),
    path("verwijzingen/<int:pk>/ontkoppelen/", provider.unlink, name="unlink"),
    path("verwijzingen/<int:pk>/berichten/", provider.handover_message, name="handover_message"),
    # Public self-registration (no login)
    path("aanmelden/", public.self_register, name="self_register"),
    path("aanmelden/bedankt/", public.self_register_done, name="self_register_done"),
    # The participant's one-time link (no login)
    path("ervaring/bedankt/", experience.experience_done, name="experience_done"),
    path("ervaring/<str:token>/", experience.experience_answer, name="experience_answer"),
    path("deelnemers/<int:pk>/wachtplekken/nieuw/", episodes.episode_create, name="episode_create"),
    path(
        "deelnemers/<int:pk>/wachtplekken/<int:episode_pk>/",
        episodes.episode_edit,
        name="episode_edit",
    ),
]
