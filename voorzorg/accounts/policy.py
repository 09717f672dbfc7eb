"""Which roles may do what: every set of roles the app checks, named by what it allows.

One place, so that a page, its API twin, its template and the service behind them cannot
drift apart. Each set is spelled out on purpose (never derived from ``Role``): a new role
gets nothing until someone adds it here. A check on one role
(``membership.role == Role.POH``) needs no name. ``tests/accounts/test_policy.py`` fails
when a set of two or more roles is spelled anywhere else.

Scope (which people, which region) is not decided here: a role set only says who may try;
each app's ``*_get_for`` gate and services then check the person or organisation.
"""

from __future__ import annotations

from .constants import Role

# Pages for anyone acting in a role: her own organisation, her API keys.
ANY_ROLE = frozenset(
    {Role.POH, Role.EXPERT, Role.COORDINATOR, Role.ADMIN, Role.PROVIDER, Role.MUNICIPALITY}
)

# Who works with persons and may open their records (referrals, waiting places, handovers,
# contacts, signals; pages, REST API and FHIR). Coordinators see aggregates only.
PERSON_RECORD_ROLES = frozenset({Role.POH, Role.EXPERT, Role.ADMIN})

# Both sides of a warm handover: the sending side (the POH-GGZ of the practice, the
# bridging team, the administrator) and the receiving GGZ provider's staff. They may
# record the provider's client reference (which links the referral to the provider's
# waiting place) and ask each other questions on the handover. The provider's staff see
# only the referrals addressed to their organisation, on their own pages and in FHIR.
HANDOVER_PARTY_ROLES = frozenset({Role.POH, Role.EXPERT, Role.ADMIN, Role.PROVIDER})

# Who uses the FHIR API for persons: the people-reading roles and the receiving GGZ
# provider's staff (a provider system with a personal token). What each role reads there,
# and which writes it may send, is decided per resource type in ``voorzorg.fhir``: the
# provider's staff read only the referrals addressed to their organisation, never a
# group or a contact. Coordinators see aggregates only.
FHIR_ROLES = frozenset({Role.POH, Role.EXPERT, Role.ADMIN, Role.PROVIDER})

# The bridging team: the experts who run peer groups, record contacts, raise signals and
# write the handover, and the functional administrator who stands in for them. They read
# the handover's summary without the participant's consent to share; others need it.
BRIDGING_TEAM_ROLES = frozenset({Role.EXPERT, Role.ADMIN})

# Team-lead work (the intake queue, the team overview, assigning experts). An expert
# also needs the team-lead flag, which the page checks itself: a role cannot say it.
TEAM_LEAD_ROLES = frozenset({Role.EXPERT, Role.ADMIN})

# Who reads the figures (dashboard, its exports, the indicator API): aggregates, no person.
# A municipality's policy officer reads her own municipality's figures and the region's
# total and comparison table (``monitoring.selectors.figure_scopes_for`` narrows her).
FIGURE_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN, Role.MUNICIPALITY})

# Who reads the waiting-time forecasts per GGZ provider x care level (the forecast API;
# the pages show the same figures): aggregates per provider, never a person, and of the
# kind providers publish themselves, so every role that works with waits may read all
# providers' forecasts. The POH-GGZ needs them when referring (the referral form shows
# them beside the providers); coordinators and administrators plan with them; a GGZ
# provider's staff read their own list's forecast and the others' as published waits.
# The expert too: her participant's page shows the forecast beside each open waiting
# place, and talking the wait through is her work. The municipality's policy officer
# too: she follows the waits her residents face and already reads the region's
# comparison table of providers side by side; a forecast names no resident.
FORECAST_ROLES = frozenset(
    {Role.POH, Role.EXPERT, Role.COORDINATOR, Role.ADMIN, Role.PROVIDER, Role.MUNICIPALITY}
)

# Who reads the capacity advice beside the forecasts (the dashboard's "Verwachte
# wachttijden en capaciteit"): how many more intakes and treatment starts each provider
# of the region would need to meet the Treeknorm. Planning capacity with the providers is
# the coordinator's work, and the administrator's. Not the municipality's policy officer:
# the advice judges providers' capacity, which is not hers to weigh, and she reads her
# municipality's figures, not the providers' planning. Nor the providers themselves (the
# others' capacity), the POH-GGZ or the expert.
CAPACITY_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})

# The roles that read figures only, never a person: the region's coordinator and a
# municipality's policy officer. Person pages and APIs refuse them with that reason.
AGGREGATE_ONLY_ROLES = frozenset({Role.COORDINATOR, Role.MUNICIPALITY})

# Who registers a referral: the POH-GGZ of the participant's GP practice (page, API, service).
REFERRAL_SENDER_ROLES = frozenset({Role.POH})

# Who answers a participant's AVG access request (inzage): the export of her data and the
# overview of who looked at her record. The POH-GGZ of her practice, or an administrator.
SUBJECT_ACCESS_ROLES = frozenset({Role.POH, Role.ADMIN})

# Who corrects a participant's own details and the details of her referral (AVG art. 16,
# rectification): the POH-GGZ of her practice, who registered them, or an administrator.
# Contacts and measurements are corrected by whoever records them (BRIDGING_TEAM_ROLES).
RECORD_CORRECTION_ROLES = frozenset({Role.POH, Role.ADMIN})

# Who erases a participant on request (AVG art. 17): the functional administrator only.
ERASURE_ROLES = frozenset({Role.ADMIN})
