"""The authorisation matrix: every URL of the project against every persona.

The URL list comes from the resolver, not from this file: a URL name that is neither in
EXPECTED nor in EXCLUDED fails the test, so no URL can be added without deciding here
who may reach it. Each URL with an object in it is tried twice: on an object of
practice A / region Groningen ("home"), and on the same kind of object in another region
("foreign"), which no persona has in scope.

Reading the table: one status per persona for the home object; for URLs with objects,
FOREIGN gives the status on the foreign object (default: 404 where the home status is a
success, i.e. out of scope is never revealed; unchanged where the role is refused).
``anonymous`` 302 always means: sent to the sign-in page.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PERSONAS = [
    "anonymous",
    "poh_anna",
    "poh_bram",
    "expert_eva",
    "coordinator_cor",
    "admin_ada",
    "provider_pia",
    "municipality_mia",
]

# ---------------------------------------------------------------------------------------
# Which object fills which URL argument (keys of the world's "home"/"foreign" records).
# ---------------------------------------------------------------------------------------
P = {"pk": "participant.pk"}
R = {"pk": "referral.pk"}
H = {"pk": "referral_h.pk"}
G = {"pk": "group.pk"}
ARGS: dict[str, dict[str, str]] = {
    "admin:app_list": {"app_label": "=accounts"},
    "accounts:organisation_detail": {"pk": "practice.pk"},
    "accounts:expert_profile": {"pk": "account_role.pk"},
    "accounts:password_reset_confirm": {"uidb64": "=MQ", "token": "=set-password"},
    "accounts:user_detail": {"pk": "account.pk"},
    "accounts:user_edit": {"pk": "account.pk"},
    "accounts:user_deactivate": {"pk": "account.pk"},
    "accounts:user_reactivate": {"pk": "account.pk"},
    "accounts:user_invitation_resend": {"pk": "account.pk"},
    "accounts:user_second_factor_reset": {"pk": "account.pk"},
    "accounts:membership_add": {"pk": "account.pk"},
    "accounts:membership_edit": {"pk": "account.pk", "membership_pk": "account_role.pk"},
    "accounts:membership_end": {"pk": "account.pk", "membership_pk": "account_role.pk"},
    "accounts:organisation_edit": {"pk": "practice.pk"},
    "accounts:region_edit": {"pk": "region.pk"},
    "accounts:norm_edit": {"pk": "region.pk"},
    "referrals:detail": R,
    "referrals:edit": R,
    "referrals:participant": P,
    "referrals:consent": P,
    "referrals:accept": R,
    "referrals:decline": R,
    "referrals:wishes": R,
    "referrals:expert_change": R,
    "referrals:first_contact": R,
    "referrals:withdraw": R,
    "referrals:close": R,
    "referrals:handover": H,
    "referrals:handover_complete": H,
    "referrals:gp_letter": H,
    "referrals:experience_record": H,
    "referrals:experience_link": H,
    "referrals:experience_answer": {"token": "=bestaat-niet"},
    "referrals:provider_detail": H,
    "referrals:provider_confirm": H,
    "referrals:provider_appointment": H,
    "referrals:link": H,
    "referrals:unlink": H,
    "referrals:handover_message": H,
    "referrals:episode_create": P,
    "referrals:episode_edit": {"pk": "participant.pk", "episode_pk": "episode.pk"},
    "participants:export": P,
    "participants:export_json": P,
    "participants:erase": P,
    "participants:edit": P,
    "participants:merge": P,
    "participants:merge_undo": {"pk": "merge.pk"},
    "groups:signal_detail": {"signal_pk": "signal.pk"},
    "groups:signal_create": P,
    "groups:contact_create": P,
    "groups:contact_list": P,
    "groups:health_create": P,
    "groups:contact_detail": {"pk": "participant.pk", "contact_pk": "contact.pk"},
    "groups:contact_edit": {"pk": "participant.pk", "contact_pk": "contact.pk"},
    "groups:contact_withdraw": {"pk": "participant.pk", "contact_pk": "contact.pk"},
    "groups:health_list": P,
    "groups:health_detail": {"pk": "participant.pk", "measurement_pk": "measurement.pk"},
    "groups:health_edit": {"pk": "participant.pk", "measurement_pk": "measurement.pk"},
    "groups:health_withdraw": {"pk": "participant.pk", "measurement_pk": "measurement.pk"},
    "groups:group_detail": G,
    "groups:group_edit": G,
    "groups:enrol": G,
    "groups:enrolment_edit": {"pk": "group.pk", "enrolment_pk": "enrolment.pk"},
    "groups:session_log": G,
    "groups:session_detail": {"pk": "group.pk", "session_pk": "session.pk"},
    "audit:participant": {"public_id": "participant.public_id"},
    "audit:break_glass_detail": {"pk": "grant.pk"},
    "audit:break_glass_open": {"pk": "grant.pk"},
    "audit:break_glass_review": {"pk": "grant.pk"},
    "fhir:handover": {"logical_id": "participant.public_id"},
    "fhir:Patient-read": {"logical_id": "participant.public_id"},
    "fhir:ServiceRequest-read": {"logical_id": "referral.pk"},
    "fhir:EpisodeOfCare-read": {"logical_id": "wait-{episode.pk}"},
    "fhir:Task-read": {"logical_id": "handover.pk"},
    "fhir:Group-read": {"logical_id": "group.pk"},
    "fhir:Encounter-read": {"logical_id": "contact-{contact.pk}"},
    "fhir:QuestionnaireResponse-read": {"logical_id": "measurement.pk"},
    "fhir:unknown": {"rest": "=Bestaatniet"},
    "api:token_revoke": {"pk": "api_token.pk"},
    "notifications:open": {"pk": "notification.pk"},
    "notifications:mark_read": {"pk": "notification.pk"},
    "api-unknown": {"rest": "=bestaat-niet/"},
    "referrals_api:referral-detail": R,
    "referrals_api:referral-accept": R,
    "referrals_api:referral-decline": R,
    "referrals_api:referral-first-contact": R,
    "referrals_api:referral-withdraw": R,
    "referrals_api:referral-close": R,
    "referrals_api:referral-handover": H,
    "referrals_api:referral-handover-complete": H,
    "referrals_api:referral-link": R,
    "referrals_api:referral-unlink": R,
    "referrals_api:referral-messages": R,
    "referrals_api:episode-detail": {"pk": "episode.pk"},
    "participants_api:participant-detail": P,
    "groups_api:group-detail": G,
    "groups_api:session-list": G,
    "groups_api:session-detail": {"pk": "session.pk"},
    "groups_api:signal-detail": {"pk": "signal.pk"},
    "groups_api:signal-acknowledge": {"pk": "signal.pk"},
    "groups_api:signal-resolve": {"pk": "signal.pk"},
    "monitoring:job": {"pk": "job.pk"},
    "monitoring:job_refusals": {"pk": "job.pk"},
}

# URLs that only take POST: the matrix sends an empty POST, which must never change data.
POST = {
    "accounts:keepalive",
    "accounts:user_reactivate",
    "accounts:user_invitation_resend",
    "accounts:logout",
    "accounts:switch_role",
    "referrals:consent",
    "referrals:accept",
    "referrals:decline",
    "referrals:wishes",
    "referrals:expert_change",
    "referrals:first_contact",
    "referrals:withdraw",
    "referrals:close",
    "referrals:handover_complete",
    "referrals:experience_record",
    "referrals:experience_link",
    "referrals:provider_confirm",
    "referrals:provider_appointment",
    "referrals:link",
    "referrals:unlink",
    "referrals:handover_message",
    "participants:erase",
    "groups:enrol",
    "groups:enrolment_edit",
    "audit:break_glass_open",
    "audit:break_glass_review",
    "monitoring:recompute",
    "api:token_revoke",
    "notifications:mark_read",
    "notifications:mark_all_read",
    "referrals_api:referral-accept",
    "referrals_api:referral-decline",
    "referrals_api:referral-first-contact",
    "referrals_api:referral-withdraw",
    "referrals_api:referral-close",
    "referrals_api:referral-handover-complete",
    "referrals_api:referral-link",
    "referrals_api:referral-unlink",
    "groups_api:signal-acknowledge",
    "groups_api:signal-resolve",
}

# Query strings some URLs need to get past their own validation.
QUERY = {"monitoring_api:indicators": "?period=2026-Q3"}


def _row(anonymous, poh_anna, poh_bram, expert_eva, coordinator_cor, admin_ada, provider_pia, mia):
    statuses = (anonymous, poh_anna, poh_bram, expert_eva, coordinator_cor, admin_ada, provider_pia)
    return dict(zip(PERSONAS, (*statuses, mia), strict=True))


# ---------------------------------------------------------------------------------------
# The table: status per persona on the HOME object (or the page itself). provider_pia is
# staff of the home world's GGZ provider, to which referral_h (H) is addressed.
# municipality_mia is the policy officer of the home municipality (role municipality):
# the figures' pages, their exports and the indicator API like the coordinator (narrowed
# to her municipality, tests/monitoring/test_municipality.py), never a person or admin page.
#                                    anon  anna  bram   eva   cor   ada   pia   mia
# ---------------------------------------------------------------------------------------
# fmt: off
EXPECTED: dict[str, dict[str, int]] = {
    # Public and sign-in pages
    "home":                           _row(302,  302,  302,  302,  302,  302,  302,  302),
    "health":                         _row(200,  200,  200,  200,  200,  200,  200,  200),
    "privacy_statement":              _row(200,  200,  200,  200,  200,  200,  200,  200),
    "accessibility_statement":        _row(200,  200,  200,  200,  200,  200,  200,  200),
    "health_live":                    _row(200,  200,  200,  200,  200,  200,  200,  200),
    "health_ready":                   _row(200,  200,  200,  200,  200,  200,  200,  200),
    "set_language":                   _row(302,  302,  302,  302,  302,  302,  302,  302),
    "accounts:login":                 _row(200,  302,  302,  302,  302,  302,  302,  302),
    "accounts:verify":                _row(302,  302,  302,  302,  302,  302,  302,  302),
    "accounts:keepalive":             _row(401,  200,  200,  200,  200,  200,  200,  200),
    "accounts:password_reset":        _row(200,  200,  200,  200,  200,  200,  200,  200),
    "accounts:password_reset_done":   _row(200,  200,  200,  200,  200,  200,  200,  200),
    "accounts:password_reset_confirm": _row(200,  200,  200,  200,  200,  200,  200,  200),
    "accounts:password_reset_complete": _row(200,  200,  200,  200,  200,  200,  200,  200),
    "accounts:switch_role":           _row(302,  302,  302,  302,  302,  302,  302,  302),
    "accounts:logout":                _row(302,  302,  302,  302,  302,  302,  302,  302),
    "accounts:my_organisation":       _row(302,  200,  200,  200,  200,  200,  200,  200),
    "accounts:organisation_detail":   _row(302,  200,  404,  404,  404,  200,  404,  404),
    # An expert's profile: she keeps her own; team leads of her organisation (eva leads
    # hers) and the administrator of its region read it; nobody else, not even by id.
    "accounts:my_expert_profile":     _row(302,  403,  403,  200,  403,  403,  403,  403),
    "accounts:expert_profile":        _row(302,  403,  403,  200,  403,  200,  403,  403),
    "accounts:beheer":                _row(302,  403,  403,  403,  403,  200,  403,  403),
    # The functional administrator's pages (the account is expert_eva's; abroad Zoë's).
    # Confirmation pages answer a GET; an empty POST to the POST-only ones changes nothing.
    "accounts:user_list":             _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:user_invite":           _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:user_detail":           _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:user_edit":             _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:user_deactivate":       _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:user_reactivate":       _row(302,  403,  403,  403,  403,  302,  403,  403),
    "accounts:user_invitation_resend": _row(302,  403,  403,  403,  403,  302,  403,  403),
    "accounts:user_second_factor_reset": _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:membership_add":        _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:membership_edit":       _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:membership_end":        _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:organisation_list":     _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:organisation_create":   _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:organisation_edit":     _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:region_list":           _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:region_create":         _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:region_edit":           _row(302,  403,  403,  403,  403,  200,  403,  403),
    "accounts:norm_edit":             _row(302,  403,  403,  403,  403,  200,  403,  403),
    "two_factor:login":               _row(200,  302,  302,  302,  302,  302,  302,  302),
    "two_factor:setup":               _row(302,  302,  302,  302,  302,  302,  302,  302),
    "two_factor:qr":                  _row(302,  404,  404,  404,  404,  404,  404,  404),
    "two_factor:setup_complete":      _row(302,  200,  200,  200,  200,  200,  200,  200),
    "two_factor:backup_tokens":       _row(302,  200,  200,  200,  200,  200,  200,  200),
    # Referrals
    "referrals:mine":                 _row(302,  200,  200,  403,  403,  403,  403,  403),
    "referrals:export":               _row(302,  200,  200,  403,  403,  403,  403,  403),
    "referrals:create":               _row(302,  200,  200,  403,  403,  403,  403,  403),
    "referrals:detail":               _row(302,  200,  404,  200,  403,  200,  403,  403),
    "referrals:edit":                 _row(302,  200,  404,  403,  403,  200,  403,  403),
    "referrals:participant":          _row(302,  200,  404,  200,  403,  200,  403,  403),
    "referrals:consent":              _row(302,  302,  404,  302,  403,  302,  403,  403),
    "referrals:accept":               _row(302,  302,  404,  302,  403,  302,  403,  403),
    # An empty step someone may take comes back as the referral page with its errors (200).
    "referrals:decline":              _row(302,  302,  404,  200,  403,  200,  403,  403),
    # An empty POST is "no wishes": saved where allowed, back to the page either way.
    "referrals:wishes":               _row(302,  302,  404,  302,  403,  302,  403,  403),
    # An empty request for another expert: refused, back to the page with a message.
    "referrals:expert_change":        _row(302,  302,  404,  302,  403,  302,  403,  403),
    "referrals:first_contact":        _row(302,  302,  404,  302,  403,  302,  403,  403),
    "referrals:withdraw":             _row(302,  200,  404,  200,  403,  200,  403,  403),
    "referrals:close":                _row(302,  302,  404,  302,  403,  302,  403,  403),
    "referrals:intake_queue":         _row(302,  403,  403,  200,  403,  200,  403,  403),
    "referrals:handover":             _row(302,  200,  404,  200,  403,  200,  403,  403),
    "referrals:handover_complete":    _row(302,  302,  404,  302,  403,  302,  403,  403),
    "referrals:gp_letter":            _row(302,  200,  404,  200,  403,  200,  403,  403),
    # The experience at handover: an empty card comes back with its errors (200); an empty
    # POST to the link button makes no link (302). The participant's one-time link page
    # is public: an unknown token is not found for anyone.
    "referrals:experience_record":    _row(302,  200,  404,  200,  403,  200,  403,  403),
    "referrals:experience_link":      _row(302,  302,  404,  302,  403,  302,  403,  403),
    "referrals:experience_answer":    _row(404,  404,  404,  404,  404,  404,  404,  404),
    "referrals:experience_done":      _row(200,  200,  200,  200,  200,  200,  200,  200),
    "referrals:self_register":        _row(200,  200,  200,  200,  200,  200,  200,  200),
    "referrals:self_register_done":   _row(200,  200,  200,  200,  200,  200,  200,  200),
    "referrals:episode_create":       _row(302,  200,  404,  200,  403,  200,  403,  403),
    "referrals:episode_edit":         _row(302,  200,  404,  200,  403,  200,  403,  403),
    # The receiving GGZ provider's pages and steps (H is addressed to provider_pia's organisation)
    "referrals:provider_list":        _row(302,  403,  403,  403,  403,  403,  200,  403),
    "referrals:provider_detail":      _row(302,  403,  403,  403,  403,  403,  200,  403),
    # An empty form comes back on the page with its errors (200); one the page does not
    # show now (the appointment before confirming, unlinking with nothing linked) goes
    # back to the page with a message (302).
    "referrals:provider_confirm":     _row(302,  403,  403,  403,  403,  403,  200,  403),
    "referrals:provider_appointment": _row(302,  403,  403,  403,  403,  403,  302,  403),
    # Both sides of the handover
    "referrals:link":                 _row(302,  200,  404,  200,  403,  200,  200,  403),
    "referrals:unlink":               _row(302,  302,  404,  302,  403,  302,  302,  403),
    "referrals:handover_message":     _row(302,  200,  404,  200,  403,  200,  200,  403),
    # Participants (AVG)
    "participants:export":            _row(302,  200,  404,  403,  403,  200,  403,  403),
    "participants:export_json":       _row(302,  200,  404,  403,  403,  200,  403,  403),
    "participants:erase":             _row(302,  403,  403,  403,  403,  200,  403,  403),
    "participants:edit":              _row(302,  200,  404,  403,  403,  200,  403,  403),
    # Participants: merging two records of one person, and its undo (admin, own region)
    "participants:merge":             _row(302,  403,  403,  403,  403,  200,  403,  403),
    "participants:merge_undo":        _row(302,  403,  403,  403,  403,  200,  403,  403),
    # Groups (experience experts)
    "groups:worklist":                _row(302,  403,  403,  200,  403,  403,  403,  403),
    "groups:team":                    _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:signal_list":             _row(302,  200,  200,  200,  403,  200,  403,  403),
    "groups:signal_detail":           _row(302,  200,  404,  200,  403,  200,  403,  403),
    "groups:signal_create":           _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:contact_create":          _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:contact_list":            _row(302,  200,  404,  200,  403,  200,  403,  403),
    "groups:health_create":           _row(302,  403,  403,  200,  403,  200,  403,  403),
    # Corrections and withdrawal: read like the contact list, changed like a new contact.
    "groups:contact_detail":          _row(302,  200,  404,  200,  403,  200,  403,  403),
    "groups:contact_edit":            _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:contact_withdraw":        _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:health_list":             _row(302,  200,  404,  200,  403,  200,  403,  403),
    "groups:health_detail":           _row(302,  200,  404,  200,  403,  200,  403,  403),
    "groups:health_edit":             _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:health_withdraw":         _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:group_list":              _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:group_create":            _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:group_detail":            _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:group_edit":              _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:enrol":                   _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:enrolment_edit":          _row(302,  403,  403,  302,  403,  302,  403,  403),
    "groups:session_log":             _row(302,  403,  403,  200,  403,  200,  403,  403),
    "groups:session_detail":          _row(302,  403,  403,  200,  403,  200,  403,  403),
    # Monitoring
    "monitoring:dashboard":           _row(302,  403,  403,  403,  200,  200,  403,  200),
    "monitoring:dashboard_print":     _row(302,  403,  403,  403,  200,  200,  403,  200),
    "monitoring:dashboard_compare":   _row(302,  403,  403,  403,  200,  200,  403,  200),
    "monitoring:report":              _row(302,  403,  403,  403,  200,  200,  403,  200),
    "monitoring:recompute":           _row(302,  403,  403,  403,  403,  302,  403,  403),
    "monitoring:import_waitlist":     _row(302,  403,  403,  403,  403,  200,  403,  403),
    # A background job: its starter's and her region's administrators' (foreign: 404).
    "monitoring:job":                 _row(302,  403,  403,  403,  403,  200,  403,  403),
    "monitoring:job_refusals":        _row(302,  403,  403,  403,  403,  200,  403,  403),
    "monitoring_api:indicators":      _row(401,  403,  403,  403,  200,  200,  403,  200),
    # Forecasts per GGZ provider x care level: aggregates, no person; every role
    # (FORECAST_ROLES). Without as_of: today's, computed from the world's episodes.
    "monitoring_api:forecasts":       _row(401,  200,  200,  200,  200,  200,  200,  200),
    # Audit and emergency access (the grant is admin_bob's, on a foreign participant)
    "audit:log":                      _row(302,  403,  403,  403,  403,  200,  403,  403),
    "audit:export":                   _row(302,  403,  403,  403,  403,  200,  403,  403),
    "audit:participant":              _row(302,  200,  404,  403,  403,  200,  403,  403),
    "audit:break_glass":              _row(302,  403,  403,  403,  403,  200,  403,  403),
    "audit:break_glass_detail":       _row(302,  403,  403,  403,  403,  200,  403,  403),
    "audit:break_glass_open":         _row(302,  403,  403,  403,  403,  404,  403,  403),
    "audit:break_glass_review":       _row(302,  403,  403,  403,  403,  302,  403,  403),
    # API tokens (the token is expert_eva's; revoking it takes her or an admin of her region)
    "api:tokens":                     _row(302,  200,  200,  200,  200,  200,  200,  200),
    "api:token_revoke":               _row(302,  404,  404,  302,  404,  302,  404,  404),
    "api:admin_tokens":               _row(302,  403,  403,  403,  403,  200,  403,  403),
    # Notifications: everyone her own; the notification is expert_eva's (another's: 404)
    "notifications:inbox":            _row(302,  200,  200,  200,  200,  200,  200,  200),
    "notifications:settings":         _row(302,  200,  200,  200,  200,  200,  200,  200),
    "notifications:mark_all_read":    _row(302,  302,  302,  302,  302,  302,  302,  302),
    "notifications:open":             _row(302,  404,  404,  302,  404,  404,  404,  404),
    "notifications:mark_read":        _row(302,  404,  404,  302,  404,  404,  404,  404),
    # REST API (token or verified session; anonymous 401). An empty POST is an empty form,
    # which the JSON-only API refuses with 415 once past the gate; nothing changes.
    # provider_pia (the last column): a provider's token is refused (403) by the REST
    # API's person endpoints, whose representations hold more than she may see; she has
    # the link, unlink and thread endpoints (404 here: R is not addressed to her) and FHIR,
    # where she reads what is addressed to her organisation (Task H: 200) and nothing else.
    "api-unknown":                    _row(404,  404,  404,  404,  404,  404,  404,  404),
    "referrals_api:referral-list":    _row(401,  200,  200,  200,  403,  200,  403,  403),
    "referrals_api:referral-detail":  _row(401,  200,  404,  200,  403,  200,  403,  403),
    "referrals_api:referral-accept":  _row(401,  403,  404,  415,  403,  415,  403,  403),
    "referrals_api:referral-decline": _row(401,  403,  404,  415,  403,  415,  403,  403),
    "referrals_api:referral-first-contact": _row(401,  403,  404,  415,  403,  415,  403,  403),
    "referrals_api:referral-withdraw": _row(401,  415,  404,  415,  403,  415,  403,  403),
    "referrals_api:referral-close":   _row(401,  403,  404,  415,  403,  415,  403,  403),
    "referrals_api:referral-handover": _row(401,  200,  404,  200,  403,  200,  403,  403),
    "referrals_api:referral-handover-complete": _row(401,  403,  404,  400,  403,  400,  403,  403),
    "referrals_api:referral-link":    _row(401,  415,  404,  415,  403,  415,  404,  403),
    "referrals_api:referral-unlink":  _row(401,  415,  404,  415,  403,  415,  404,  403),
    "referrals_api:referral-messages": _row(401,  200,  404,  200,  403,  200,  404,  403),
    "referrals_api:episode-list":     _row(401,  200,  200,  200,  403,  200,  403,  403),
    "referrals_api:episode-detail":   _row(401,  200,  404,  200,  403,  200,  403,  403),
    "participants_api:participant-list": _row(401,  200,  200,  200,  403,  200,  403,  403),
    "participants_api:participant-detail": _row(401,  200,  404,  200,  403,  200,  403,  403),
    "groups_api:group-list":          _row(401,  403,  403,  200,  403,  200,  403,  403),
    "groups_api:group-detail":        _row(401,  403,  403,  200,  403,  200,  403,  403),
    "groups_api:session-list":        _row(401,  403,  403,  200,  403,  200,  403,  403),
    "groups_api:session-detail":      _row(401,  403,  403,  200,  403,  200,  403,  403),
    "groups_api:contact-list":        _row(401,  200,  200,  200,  403,  200,  403,  403),
    "groups_api:health-measurement-list": _row(401,  200,  200,  200,  403,  200,  403,  403),
    "groups_api:signal-list":         _row(401,  200,  200,  200,  403,  200,  403,  403),
    "groups_api:signal-detail":       _row(401,  200,  404,  200,  403,  200,  403,  403),
    "groups_api:signal-acknowledge":  _row(401,  415,  404,  415,  403,  415,  403,  403),
    "groups_api:signal-resolve":      _row(401,  415,  404,  415,  403,  415,  403,  403),
    # OpenAPI schema and its docs: public, they hold no data
    "api-schema":                     _row(200,  200,  200,  200,  200,  200,  200,  200),
    "api-docs":                       _row(200,  200,  200,  200,  200,  200,  200,  200),
    "api-redoc":                      _row(200,  200,  200,  200,  200,  200,  200,  200),
    # FHIR API (anonymous: OperationOutcome 401, no sign-in redirect)
    "fhir:metadata":                  _row(200,  200,  200,  200,  200,  200,  200,  200),
    "fhir:unknown":                   _row(404,  404,  404,  404,  404,  404,  404,  404),
    "fhir:handover":                  _row(401,  403,  404,  403,  403,  403,  404,  403),
    "fhir:Patient-search":            _row(401,  200,  200,  200,  403,  200,  200,  403),
    "fhir:Patient-read":              _row(401,  200,  404,  200,  403,  200,  404,  403),
    "fhir:ServiceRequest-search":     _row(401,  200,  200,  200,  403,  200,  200,  403),
    "fhir:ServiceRequest-read":       _row(401,  200,  404,  200,  403,  200,  404,  403),
    "fhir:EpisodeOfCare-search":      _row(401,  200,  200,  200,  403,  200,  200,  403),
    "fhir:EpisodeOfCare-read":        _row(401,  200,  404,  200,  403,  200,  404,  403),
    "fhir:Task-search":               _row(401,  200,  200,  200,  403,  200,  200,  403),
    "fhir:Task-read":                 _row(401,  200,  404,  200,  403,  200,  200,  403),
    "fhir:Group-search":              _row(401,  200,  200,  200,  403,  200,  200,  403),
    "fhir:Group-read":                _row(401,  404,  404,  200,  403,  200,  404,  403),
    "fhir:Encounter-search":          _row(401,  200,  200,  200,  403,  200,  200,  403),
    "fhir:Encounter-read":            _row(401,  200,  404,  200,  403,  200,  404,  403),
    "fhir:QuestionnaireResponse-search": _row(401,  200,  200,  200,  403,  200,  200,  403),
    "fhir:QuestionnaireResponse-read": _row(401,  200,  404,  200,  403,  200,  404,  403),
    # Django admin: the superuser only; the rest are sent to the admin's sign-in.
    "admin:index":                    _row(302,  302,  302,  302,  302,  200,  302,  302),
    "admin:login":                    _row(302,  302,  302,  302,  302,  302,  302,  302),
    "admin:logout":                   _row(302,  302,  302,  302,  302,  405,  302,  302),
    "admin:password_change":          _row(302,  302,  302,  302,  302,  200,  302,  302),
    "admin:password_change_done":     _row(302,  302,  302,  302,  302,  200,  302,  302),
    "admin:jsi18n":                   _row(302,  302,  302,  302,  302,  200,  302,  302),
    "admin:autocomplete":             _row(302,  302,  302,  302,  302,  403,  302,  302),
    "admin:app_list":                 _row(302,  302,  302,  302,  302,  200,  302,  302),
}
# fmt: on
_ADMIN_MODELS = {
    # model admin: status of its "add" page for admin_ada (403: append-only / read-only)
    "auth_group": 200,
    "otp_totp_totpdevice": 200,
    "otp_static_staticdevice": 200,
    "axes_accessattempt": 403,
    "axes_accesslog": 403,
    "axes_accessfailurelog": 403,
    "accounts_user": 200,
    "accounts_organisation": 200,
    "accounts_region": 200,
    "accounts_membership": 200,
    "audit_accesslog": 403,
    "audit_breakglassgrant": 403,
    "monitoring_indicatorvalue": 403,
    "monitoring_computationrun": 403,
    "accounts_norm": 200,
}
for _model, _add in _ADMIN_MODELS.items():
    EXPECTED[f"admin:{_model}_changelist"] = _row(302, 302, 302, 302, 302, 200, 302, 302)
    EXPECTED[f"admin:{_model}_add"] = _row(302, 302, 302, 302, 302, _add, 302, 302)

# Status on the FOREIGN object (another region) where it differs from the rule:
# anonymous and refused roles (403/404) get the same answer; every success becomes 404.
FOREIGN: dict[str, dict[str, int]] = {
    # Organisations are not person data; the administrator manages them all.
    "accounts:organisation_detail": {"admin_ada": 200},
    # $handover without consent is 403 at home, 404 (not in scope) abroad.
    "fhir:handover": {"poh_anna": 404, "expert_eva": 404, "admin_ada": 404},
    # The gate's 404 comes before the capacity check's 403.
    "referrals_api:referral-accept": {"poh_anna": 404},
    "referrals_api:referral-decline": {"poh_anna": 404},
    "referrals_api:referral-first-contact": {"poh_anna": 404},
    "referrals_api:referral-close": {"poh_anna": 404},
    "referrals_api:referral-handover-complete": {"poh_anna": 404},
}

# Excluded from the walk, each with its reason.
EXCLUDED: dict[str, str] = {
    "admin:view_on_site": "Django admin redirect to an object's page; needs a content type",
    "admin:auth_user_password_change": "Django admin per-user page; superuser-only like the rest",
    "admin:otp_totp_totpdevice_config": "django-otp admin per-device page; superuser-only",
    "admin:otp_totp_totpdevice_qrcode": "django-otp admin per-device page; superuser-only",
}
for _model in _ADMIN_MODELS:
    for _op in ("change", "delete", "history"):
        EXCLUDED[f"admin:{_model}_{_op}"] = (
            "Django admin per-object page; its changelist above proves it is superuser-only"
        )


def _foreign_expected(name: str, persona: str) -> int:
    home = EXPECTED[name][persona]
    if persona in FOREIGN.get(name, {}):
        return FOREIGN[name][persona]
    if persona == "anonymous" or home in (403, 404):
        return home
    return 404


def _value(records: dict, spec: str) -> str:
    if spec.startswith("="):
        return spec[1:]
    if "{" in spec:
        prefix, rest = spec.split("{", 1)
        return prefix + _value(records, rest.rstrip("}"))
    key, attr = spec.split(".", 1)
    return str(getattr(records[key], attr))


def url_names() -> dict[str, set[str]]:
    """Every named URL pattern of the project: ``namespace:name`` -> its converters."""
    found: dict[str, set[str]] = {}

    def walk(resolver: URLResolver, namespaces: tuple[str, ...]) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = namespaces + ((pattern.namespace,) if pattern.namespace else ())
                walk(pattern, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = ":".join((*namespaces, pattern.name))
                # path() converters, or re_path() named groups.
                args = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
                found.setdefault(name, args)

    walk(get_resolver(), ())
    return found


def _excluded(name: str) -> bool:
    return name in EXCLUDED or f"{name.split(':')[0]}:*" in EXCLUDED


def _url(name: str, records: dict) -> str:
    kwargs = {kw: _value(records, spec) for kw, spec in ARGS.get(name, {}).items()}
    return reverse(name, kwargs=kwargs)


def test_every_url_name_is_declared():
    names = set(url_names())
    undeclared = sorted(n for n in names if n not in EXPECTED and not _excluded(n))
    assert not undeclared, f"URLs without a row in EXPECTED or EXCLUDED: {undeclared}"
    stale = sorted(
        n
        for n in [*EXPECTED, *EXCLUDED]
        if (
            n not in names if not n.endswith(":*") else not any(m.startswith(n[:-1]) for m in names)
        )
    )
    assert not stale, f"Declared names that no longer exist: {stale}"
    for name in names - set(EXCLUDED):
        if _excluded(name):
            continue
        missing_args = set(url_names()[name]) - set(ARGS.get(name, {}))
        assert not missing_args, f"{name}: no object for {missing_args}"
    for name, row in EXPECTED.items():
        assert set(row) == set(PERSONAS), f"{name}: a status for every persona"


def _fingerprint(world: dict) -> dict:
    """What an empty POST must never change: counts and the state of the home records."""
    from groups.models import Contact, Enrolment, PeerGroup, PositiveHealthMeasurement, Signal
    from participants.models import Consent, Participant
    from referrals.models import Handover, HandoverMessage, Referral, WaitingEpisode
    from voorzorg.accounts.models import Membership, Norm, Organisation, Region, User
    from voorzorg.audit.models import BreakGlassGrant

    home = world["home"]
    state = {
        model.__name__: model.objects.count()
        for model in (
            Participant,
            Referral,
            WaitingEpisode,
            Handover,
            HandoverMessage,
            Consent,
            Contact,
            Signal,
            Enrolment,
            PeerGroup,
            PositiveHealthMeasurement,
            BreakGlassGrant,
            Membership,
            Organisation,
            Region,
            Norm,
        )
    }
    state["users"] = sorted(User.objects.values_list("pk", "is_active", "email", "password"))
    state["roles"] = sorted(Membership.objects.values_list("pk", "region", "is_team_lead"))
    participant = Participant.objects.get(pk=home["participant"].pk)
    state["participant"] = (participant.given_name, participant.family_name, participant.email)
    state["referrals"] = sorted(
        Referral.objects.values_list("pk", "status", "provider_reference", "waiting_episode")
    )
    state["handovers"] = sorted(
        Handover.objects.values_list("pk", "provider_acknowledged_on", "first_appointment_at")
    )
    state["enrolment"] = tuple(
        Enrolment.objects.filter(pk=home["enrolment"].pk).values_list("status", "end_date").get()
    )
    state["grant"] = tuple(
        BreakGlassGrant.objects.filter(pk=home["grant"].pk)
        .values_list("reviewed_at", "reviewed_by")
        .get()
    )
    state["consents"] = sorted(Consent.objects.values_list("pk", "withdrawn_on"))
    return state


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_url_matrix(persona, personas, provider_pia, municipality_mia, client_for, world):
    cast = {**personas, "provider_pia": provider_pia, "municipality_mia": municipality_mia}
    client = Client() if persona == "anonymous" else client_for(cast[persona])
    names = sorted(n for n in url_names() if not _excluded(n))
    names.sort(key=lambda n: n == "accounts:logout")  # signing out last
    before = _fingerprint(world)
    wrong: list[str] = []
    for name in names:
        method = client.post if name in POST else client.get
        variants = [("home", EXPECTED[name][persona])]
        specs = ARGS.get(name, {}).values()
        if specs and not all(spec.startswith("=") for spec in specs):
            variants.append(("foreign", _foreign_expected(name, persona)))
        for where, expected in variants:
            try:
                url = _url(name, world[where]) + QUERY.get(name, "")
            except KeyError:  # no such object abroad (the emergency-access grant)
                continue
            status = method(url).status_code
            if status != expected:
                wrong.append(f"{name} [{where}] {url}: expected {expected}, got {status}")
            assert status != 500, f"{persona} got a 500 on {url}"
        if name in POST:
            assert _fingerprint(world) == before, f"empty POST to {name} changed data"
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_anonymous_redirects_go_to_sign_in(client, world):
    """Every 302 for anonymous on a staff page is the sign-in page, not some other place."""
    from django.conf import settings

    public_redirects = {"set_language", "accounts:verify", "home"}
    for name in sorted(url_names()):
        if _excluded(name) or name in public_redirects or name.startswith("admin:"):
            continue
        if EXPECTED[name]["anonymous"] != 302:
            continue
        method = client.post if name in POST else client.get
        response = method(_url(name, world["home"]))
        assert response.status_code == 302, name
        location = response["Location"]
        assert (
            location.startswith(reverse("accounts:login"))
            or location.startswith(str(settings.LOGIN_URL))
            or name in {"accounts:logout"}
        ), f"{name} -> {location}"
