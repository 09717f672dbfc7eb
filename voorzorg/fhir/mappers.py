"""Model instances to FHIR R4 resources, as plain JSON-ready dicts. The building blocks
(systems, codings, references, ids) are in ``datatypes``, the Bundles in ``bundles``.

Pure functions: no queries (callers pass what they selected), no request, no clock
unless it is passed in. Privacy decisions are taken here, once, per field:

- ``details=True`` only for a caller who may see who the person is (the POH-GGZ of the
  person's practice, the expert assigned to one of the person's referrals, an admin in
  scope; ``selectors.details_visible``). Without it a Patient is the pseudonym alone and
  free text about the person (help question, handover summary) is left out.
- Never mapped: BSN (not stored at all), diagnosis group, contact and session notes,
  signals, attendance, postcode and municipality, staff names.

Ids (logical, stable): Patient = the participant's ``public_id``; ServiceRequest, Task,
Group and QuestionnaireResponse = the database pk; EpisodeOfCare and Encounter have two
sources each, so a prefix says which: ``wait-<pk>`` / ``bridge-<referral pk>``,
``session-<pk>`` / ``contact-<pk>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from groups.constants import (
    ContactMode,
    EnrolmentStatus,
    GroupKind,
    PositiveHealthDimension,
    SessionFormat,
)
from groups.models import Contact, Enrolment, GroupSession, PeerGroup, PositiveHealthMeasurement
from participants.constants import LifeDomain
from participants.models import Participant
from referrals.constants import CareLevel, ReferralSource, ReferralStatus, Urgency
from referrals.models import Handover, Referral, WaitingEpisode

from .datatypes import (
    CS_CARE_LEVEL,
    CS_CONTACT_MODE,
    CS_GROUP_KIND,
    CS_HANDOVER_OUTPUT,
    CS_LIFE_DOMAIN,
    CS_SERVICE,
    EXT_INTAKE_DATE,
    PATIENT_ID_SYSTEM,
    PH_QUESTIONNAIRE,
    UCUM,
    V3_ACT_CODE,
    V3_OBSERVATION_VALUE,
    Resource,
    bridging_episode_id,
    coding,
    compact,
    concept,
    contact_encounter_id,
    fhir_date,
    fhir_datetime,
    organisation_reference,
    patient_reference,
    provider_client_system,
    session_encounter_id,
    waiting_episode_id,
)

# The Task's outputs (the provider's confirmation and first appointment), by code.
FIRST_APPOINTMENT = "eerste-afspraak"

# --- Status mappings (documented in docs/fhir.md) -------------------------------------

# There is no draft stage in the app (a referral exists once submitted) and nothing is
# ever entered in error, so only active, revoked and completed occur.
SERVICE_REQUEST_STATUS: dict[str, str] = {
    ReferralStatus.SUBMITTED: "active",
    ReferralStatus.ACCEPTED: "active",
    ReferralStatus.IN_BRIDGING: "active",
    ReferralStatus.HANDED_OVER: "completed",
    # Closed after bridging care for another reason (no longer needed, dropped out, ...):
    # the request ran its course; the close reason is not a FHIR status.
    ReferralStatus.CLOSED: "completed",
    # Ended before it was carried out, by the team (declined) or the referrer (withdrawn).
    ReferralStatus.DECLINED: "revoked",
    ReferralStatus.WITHDRAWN: "revoked",
}

# FHIR codes a ``ServiceRequest?status=`` search accepts: the whole R4 value set, so a
# valid code we never produce finds nothing instead of failing.
SERVICE_REQUEST_STATUS_CODES = frozenset(
    {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
)

_CONTACT_CLASS: dict[str, tuple[str, str]] = {
    ContactMode.FACE_TO_FACE: ("AMB", "ambulatory"),
    ContactMode.HOME_VISIT: ("HH", "home health"),
    ContactMode.PHONE: ("VR", "virtual"),
    ContactMode.VIDEO: ("VR", "virtual"),
    ContactMode.WALK: ("FLD", "field"),
}

_SESSION_CLASS: dict[str, tuple[str, str]] = {
    SessionFormat.IN_PERSON: ("AMB", "ambulatory"),
    SessionFormat.ONLINE: ("VR", "virtual"),
}


def patient(participant: Participant, *, details: bool) -> Resource:
    """The participant, by pseudonym. Name, telecom, birth date and GP only with details."""
    resource: Resource = {
        "resourceType": "Patient",
        "id": participant.public_id,
        "identifier": [
            {"use": "official", "system": PATIENT_ID_SYSTEM, "value": participant.public_id}
        ],
        # An erased record (AVG, participants.services) stays as an anonymous tombstone.
        "active": getattr(participant, "erased_at", None) is None,
    }
    if not details:
        # Says to a receiver that the identity was left out on purpose.
        resource["meta"] = {"security": [coding(V3_OBSERVATION_VALUE, "PSEUDED", "pseudonymized")]}
        return resource
    name = compact(
        {
            "use": "official",
            "text": participant.full_name.strip(),
            "family": participant.family_name,
            "given": [participant.given_name] if participant.given_name else None,
        }
    )
    resource["name"] = [name] if "text" in name else []
    telecom = []
    if participant.phone:
        telecom.append({"system": "phone", "value": participant.phone})
    if participant.email:
        telecom.append({"system": "email", "value": participant.email})
    resource["telecom"] = telecom
    resource["birthDate"] = fhir_date(participant.date_of_birth)
    if participant.gp_practice_id:
        resource["generalPractitioner"] = [organisation_reference(participant.gp_practice)]
    return compact(resource)


def service_request(referral: Referral, *, details: bool) -> Resource:
    """The referral to bridging care. Needs ``participant`` and ``gp_practice`` selected."""
    if referral.source == ReferralSource.GP and referral.gp_practice_id:
        requester = organisation_reference(referral.gp_practice)
    else:
        # A self-registration: the participant asked for bridging care themself.
        requester = patient_reference(referral.participant.public_id)
    resource: Resource = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "status": SERVICE_REQUEST_STATUS[referral.status],
        "intent": "order",
        "priority": "urgent" if referral.urgency == Urgency.HIGH else "routine",
        "code": concept(CS_SERVICE, "overbruggingszorg", "Overbruggingszorg"),
        "subject": patient_reference(referral.participant.public_id),
        # The GP's referral date; a date is a valid (partial) FHIR dateTime.
        "authoredOn": fhir_date(referral.referral_date),
        "requester": requester,
    }
    if details:
        resource["reasonCode"] = [
            concept(CS_LIFE_DOMAIN, code, str(LifeDomain(code).label))
            for code in referral.life_domains
            if code in LifeDomain.values
        ]
        resource["note"] = [{"text": referral.help_question}] if referral.help_question else []
    return compact(resource)


def waiting_episode_status(episode: WaitingEpisode) -> str:
    """waitlist until treatment starts or the place is closed, then finished.

    An intake does not end the wait (the behandelwachttijd runs on), and FHIR's
    ``waitlist`` explicitly covers assessments before care starts, so it stays waitlist.
    ``active`` is never used: the treatment itself is the provider's record, not ours.
    """
    if episode.treatment_start_date or episode.closed_date:
        return "finished"
    return "waitlist"


def waiting_episode(episode: WaitingEpisode) -> Resource:
    """A waiting place at a GGZ provider. Needs ``participant`` and ``provider`` selected."""
    ends = [d for d in (episode.treatment_start_date, episode.closed_date) if d]
    period = {
        "start": fhir_date(episode.registration_date),
        "end": fhir_date(min(ends) if ends else None),
    }
    care_level = (
        [concept(CS_CARE_LEVEL, episode.care_level, str(CareLevel(episode.care_level).label))]
        if episode.care_level in CareLevel.values
        else []
    )
    identifier = (
        [{"system": provider_client_system(episode.provider), "value": episode.external_id}]
        if episode.external_id and episode.provider.agb_code
        else []
    )
    intake = (
        [{"url": EXT_INTAKE_DATE, "valueDate": fhir_date(episode.intake_date)}]
        if episode.intake_date
        else []
    )
    return compact(
        {
            "resourceType": "EpisodeOfCare",
            "id": waiting_episode_id(episode),
            "extension": intake,
            "identifier": identifier,
            "status": waiting_episode_status(episode),
            "type": care_level,
            "patient": patient_reference(episode.participant.public_id),
            "managingOrganization": organisation_reference(episode.provider),
            "period": compact(period),
        }
    )


def bridging_episode_status(referral: Referral) -> str:
    """planned until the first contact, active from it, finished at handover or close.

    A referral that ended without any contact (declined, withdrawn, or closed before a
    first contact) never became active: cancelled.
    """
    if referral.status == ReferralStatus.HANDED_OVER:
        return "finished"
    if referral.status == ReferralStatus.CLOSED:
        return "finished" if referral.first_contact_date else "cancelled"
    if referral.status in (ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN):
        return "cancelled"
    return "active" if referral.first_contact_date else "planned"


def _bridging_end(referral: Referral, handover: Handover | None) -> dt.date | None:
    if handover is not None and handover.completed_at:
        return timezone.localdate(handover.completed_at)
    if referral.status_changed_at:
        return timezone.localdate(referral.status_changed_at)
    return None


def bridging_episode(referral: Referral, handover: Handover | None) -> Resource:
    """The bridging-care episode of one referral. Needs ``participant`` selected."""
    status = bridging_episode_status(referral)
    period: Resource = {}
    if referral.first_contact_date:
        period["start"] = fhir_date(referral.first_contact_date)
        if status == "finished":
            period["end"] = fhir_date(_bridging_end(referral, handover))
    return compact(
        {
            "resourceType": "EpisodeOfCare",
            "id": bridging_episode_id(referral),
            "status": status,
            "type": [concept(CS_SERVICE, "overbruggingszorg", "Overbruggingszorg")],
            "patient": patient_reference(referral.participant.public_id),
            "referralRequest": [{"reference": f"ServiceRequest/{referral.pk}"}],
            "period": compact(period),
        }
    )


_CLOSED_WITHOUT_HANDOVER = frozenset(
    {ReferralStatus.CLOSED, ReferralStatus.WITHDRAWN, ReferralStatus.DECLINED}
)


def task_status(handover: Handover, referral: Referral) -> str:
    """requested -> in-progress (meeting planned or work on it begun) -> completed.

    A handover left unfinished when its referral was closed is cancelled.
    """
    if handover.completed_at:
        return "completed"
    if referral.status in _CLOSED_WITHOUT_HANDOVER:
        return "cancelled"
    if handover.meeting_at or handover.provider_acknowledged_on or handover.summary:
        return "in-progress"
    return "requested"


def task(handover: Handover, *, details: bool) -> Resource:
    """The warm handover. Needs ``provider`` and ``referral__participant`` selected."""
    referral = handover.referral
    notes = []
    if details:
        texts = (handover.summary, handover.life_domain_status, handover.participant_words)
        notes = [{"text": text} for text in texts if text]
    # The receiving provider's side: its confirmation and its first appointment.
    outputs = []
    if handover.provider_acknowledged_on:
        outputs.append(
            {
                "type": concept(CS_HANDOVER_OUTPUT, "ontvangst-bevestigd", "Ontvangst bevestigd"),
                "valueDate": fhir_date(handover.provider_acknowledged_on),
            }
        )
    if handover.first_appointment_at:
        outputs.append(
            {
                "type": concept(CS_HANDOVER_OUTPUT, FIRST_APPOINTMENT, "Eerste afspraak"),
                "valueDateTime": fhir_datetime(handover.first_appointment_at),
            }
        )
    return compact(
        {
            "resourceType": "Task",
            "id": str(handover.pk),
            "status": task_status(handover, referral),
            "intent": "order",
            "code": concept(CS_SERVICE, "warme-overdracht", "Warme overdracht"),
            "focus": {"reference": f"ServiceRequest/{referral.pk}"},
            "for": patient_reference(referral.participant.public_id),
            "authoredOn": fhir_datetime(handover.created_at),
            "lastModified": fhir_datetime(handover.updated_at),
            "owner": organisation_reference(handover.provider),
            "executionPeriod": compact(
                {
                    "start": fhir_datetime(handover.meeting_at),
                    "end": fhir_datetime(handover.completed_at),
                }
            ),
            "note": notes,
            "output": outputs,
        }
    )


def group(peer_group: PeerGroup, *, active_members: int, members: Iterable[Enrolment]) -> Resource:
    """A peer group. ``members``: the enrolments the caller may see, participant selected.

    ``quantity`` counts every active member (a number, not a person); ``member`` lists
    only those in the caller's scope. Waiting-list places are not members yet.
    """
    entries = [
        compact(
            {
                "entity": patient_reference(e.participant.public_id),
                "period": compact({"start": fhir_date(e.start_date), "end": fhir_date(e.end_date)}),
                "inactive": e.status == EnrolmentStatus.ENDED,
            }
        )
        for e in members
    ]
    return compact(
        {
            "resourceType": "Group",
            "id": str(peer_group.pk),
            "active": peer_group.is_active,
            "type": "person",
            "actual": True,
            "code": concept(CS_GROUP_KIND, peer_group.kind, str(GroupKind(peer_group.kind).label))
            if peer_group.kind in GroupKind.values
            else None,
            "name": peer_group.name,
            "quantity": active_members,
            "member": entries,
        }
    )


def session_encounter(session: GroupSession, *, now: dt.datetime) -> Resource:
    """One meeting of a peer group: the Group is the subject, no person is named."""
    code, display = _SESSION_CLASS.get(session.format, ("AMB", "ambulatory"))
    return compact(
        {
            "resourceType": "Encounter",
            "id": session_encounter_id(session),
            "status": "finished" if session.starts_at <= now else "planned",
            "class": coding(V3_ACT_CODE, code, display),
            "type": [concept(CS_SERVICE, "lotgenotenbijeenkomst", "Lotgenotenbijeenkomst")],
            "subject": {"reference": f"Group/{session.group_id}"},
            "period": {"start": fhir_datetime(session.starts_at)},
            "reasonCode": [{"text": session.topic}] if session.topic else [],
        }
    )


def contact_encounter(contact: Contact) -> Resource:
    """A one-on-one contact. Needs ``participant`` selected. The note is never shared."""
    code, display = _CONTACT_CLASS.get(contact.mode, ("AMB", "ambulatory"))
    mode_label = str(ContactMode(contact.mode).label) if contact.mode in ContactMode.values else ""
    return compact(
        {
            "resourceType": "Encounter",
            "id": contact_encounter_id(contact),
            "status": "finished",
            "class": coding(V3_ACT_CODE, code, display),
            "type": [
                concept(CS_SERVICE, "een-op-een-contact", "Eén-op-één contact"),
                concept(CS_CONTACT_MODE, contact.mode, mode_label),
            ],
            "subject": patient_reference(contact.participant.public_id),
            "period": {"start": fhir_date(contact.date)},
            "length": {
                "value": contact.duration_minutes,
                "unit": "min",
                "system": UCUM,
                "code": "min",
            },
        }
    )


def questionnaire_response(measurement: PositiveHealthMeasurement) -> Resource:
    """Positieve Gezondheid: one item per dimension (linkId = its code), 0-10."""
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(measurement.pk),
        "questionnaire": PH_QUESTIONNAIRE,
        "status": "completed",
        "subject": patient_reference(measurement.participant.public_id),
        "authored": fhir_date(measurement.measured_on),
        "item": [
            {
                "linkId": dimension.value,
                "text": str(dimension.label),
                "answer": [{"valueInteger": getattr(measurement, dimension.value)}],
            }
            for dimension in PositiveHealthDimension
        ],
    }
