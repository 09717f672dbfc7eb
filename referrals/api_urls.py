"""URLs of the referrals REST API, mounted at ``/api/v1/``.

URL names are stable: integrations and the security matrix refer to them.
"""

from __future__ import annotations

from django.urls import path

from . import api

app_name = "referrals_api"

urlpatterns = [
    path("referrals/", api.ReferralListApi.as_view(), name="referral-list"),
    path("referrals/<id:pk>/", api.ReferralDetailApi.as_view(), name="referral-detail"),
    path("referrals/<id:pk>/accept/", api.ReferralAcceptApi.as_view(), name="referral-accept"),
    path("referrals/<id:pk>/decline/", api.ReferralDeclineApi.as_view(), name="referral-decline"),
    path(
        "referrals/<id:pk>/first-contact/",
        api.ReferralFirstContactApi.as_view(),
        name="referral-first-contact",
    ),
    path(
        "referrals/<id:pk>/withdraw/", api.ReferralWithdrawApi.as_view(), name="referral-withdraw"
    ),
    path("referrals/<id:pk>/close/", api.ReferralCloseApi.as_view(), name="referral-close"),
    path("referrals/<id:pk>/handover/", api.HandoverApi.as_view(), name="referral-handover"),
    path(
        "referrals/<id:pk>/handover/complete/",
        api.HandoverCompleteApi.as_view(),
        name="referral-handover-complete",
    ),
    path("episodes/", api.EpisodeListApi.as_view(), name="episode-list"),
    path("episodes/<id:pk>/", api.EpisodeDetailApi.as_view(), name="episode-detail"),
]
