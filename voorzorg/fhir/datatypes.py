"""FHIR's small building blocks as Voorzorg writes them: the identifier and code systems,
dates and moments, codings, references and the logical ids of the resources with two
sources. Pure functions, shared by the resource mappers (``mappers``) and the Bundles
(``bundles``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from groups.models import Contact, GroupSession
from referrals.models import Referral, WaitingEpisode
from voorzorg.accounts.models import Organisation

Resource = dict[str, Any]

FHIR_VERSION = "4.0.1"
BASE = "https://voorzorg.example/fhir"
PATIENT_ID_SYSTEM = f"{BASE}/sid/deelnemer"
AGB_SYSTEM = "http://fhir.nl/fhir/NamingSystem/agb-z"
CS_SERVICE = f"{BASE}/CodeSystem/dienst"
CS_CARE_LEVEL = f"{BASE}/CodeSystem/zorgzwaarte"
CS_LIFE_DOMAIN = f"{BASE}/CodeSystem/leefgebied"
CS_GROUP_KIND = f"{BASE}/CodeSystem/groepsvorm"
CS_CONTACT_MODE = f"{BASE}/CodeSystem/contactvorm"
CS_HANDOVER_OUTPUT = f"{BASE}/CodeSystem/overdracht-uitkomst"
PH_QUESTIONNAIRE = f"{BASE}/Questionnaire/positieve-gezondheid"
# A GGZ provider's own client numbers (a waiting place's ``external_id``): one identifier
# system per provider, by its AGB code. A provider system names its waiting place by it.
PROVIDER_CLIENT_SYSTEM = f"{BASE}/sid/clientnummer/agb-"
# The waiting place's intake date (FHIR's EpisodeOfCare has no element for it).
EXT_INTAKE_DATE = f"{BASE}/StructureDefinition/intake-date"
HANDOVER_OPERATION = f"{BASE}/OperationDefinition/Patient-handover"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
UCUM = "http://unitsofmeasure.org"


def fhir_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def fhir_datetime(value: dt.datetime | None) -> str | None:
    # Aware datetimes only (USE_TZ): FHIR requires a zone once a time is given.
    return timezone.localtime(value).isoformat() if value else None


def compact(resource: Resource) -> Resource:
    """Drop empty values: FHIR forbids empty strings, lists and objects."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def coding(system: str, code: str, display: str | None = None) -> Resource:
    return compact({"system": system, "code": code, "display": display})


def concept(system: str, code: str, display: str | None = None) -> Resource:
    return compact({"coding": [coding(system, code, display)], "text": display})


def patient_reference(public_id: str) -> Resource:
    return {"reference": f"Patient/{public_id}"}


def organisation_reference(organisation: Organisation) -> Resource:
    """A logical reference: organisations are not served as resources, their AGB is."""
    ref: Resource = {"type": "Organization", "display": organisation.name}
    if organisation.agb_code:
        ref["identifier"] = {"system": AGB_SYSTEM, "value": organisation.agb_code}
    return ref


def provider_client_system(provider: Organisation) -> str:
    """The identifier system of this provider's client numbers (by its AGB code)."""
    return f"{PROVIDER_CLIENT_SYSTEM}{provider.agb_code}"


def waiting_episode_id(episode: WaitingEpisode) -> str:
    return f"wait-{episode.pk}"


def bridging_episode_id(referral: Referral) -> str:
    return f"bridge-{referral.pk}"


def session_encounter_id(session: GroupSession) -> str:
    return f"session-{session.pk}"


def contact_encounter_id(contact: Contact) -> str:
    return f"contact-{contact.pk}"
