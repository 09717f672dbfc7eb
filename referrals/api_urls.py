"""URLs of the referrals REST API, mounted at ``/api/v1/``.

URL names are stable: integrations and the security matrix refer to them.
"""

from __future__ import annotations

from django.urls import path

from .api import actions, collection, episodes, handover, provider, referrals

app_name = "referrals_api"

urlpatterns = [
    path("referrals/", collection.ReferralListApi.as_view(), name="referral-list"),
    path("referrals/<id:pk>/", referrals.ReferralDetailApi.as_view(), name="referral-detail"),
    path("referrals/<id:pk>/accept/", actions.ReferralAcceptApi.as_view(), name="referral-accept"),
    path(
        "referrals/<id:pk>/decline/",
        actions.ReferralDeclineApi.as_view(),
        name="referral-decline",
    ),
    path(
        "referrals/<id:pk>/first-contact/",
        actions.ReferralFirstContactApi.as_view(),
        name="referral-first-contact",
    ),
    path(
        "referrals/<id:pk>/withdraw/",
        actions.ReferralWithdrawApi.as_view(),
        name="referral-withdraw",
    ),
    path("referrals/<id:pk>/close/", actions.ReferralCloseApi.as_view(), name="referral-close"),
    path("referrals/<id:pk>/handover/", handover.HandoverApi.as_view(), name="referral-handover"),
    path(
        "referrals/<id:pk>/handover/complete/",
        handover.HandoverCompleteApi.as_view(),
        name="referral-handover-complete",
    ),
    path("referrals/<id:pk>/link/", provider.ReferralLinkApi.as_view(), name="referral-link"),
    path("referrals/<id:pk>/unlink/", provider.ReferralUnlinkApi.as_view(), name="referral-unlink"),
    path(
        "referrals/<id:pk>/messages/",
        provider.HandoverMessagesApi.as_view(),
        name="referral-messages",
    ),
    path("episodes/", episodes.EpisodeListApi.as_view(), name="episode-list"),
    path("episodes/<id:pk>/", episodes.EpisodeDetailApi.as_view(), name="episode-detail"),
]
