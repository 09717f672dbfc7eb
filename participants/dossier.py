"""The AVG export of one participant (inzage, dataportabiliteit), and its field helpers.

The participant's own data and consents are built here; every other app's part (its
referrals, its group places, ...) is a dossier section that app registers
(``participants.registry.register_dossier_section``), built with the helpers below so
every section reads alike: a choice as its code and its Dutch label, local times, names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from voorzorg.accounts.models import Membership
from voorzorg.audit.versions import version_export, versions_from_rows

from . import registry
from .constants import LifeDomain
from .models import Participant
from .selectors import PARTICIPANT_VERSIONS

# Bump when a field is renamed or removed, so a receiving system can tell the versions apart.
EXPORT_FORMAT = "voorzorg-avg-inzage"
EXPORT_VERSION = 1


def name_of(user: Any) -> str | None:
    return user.full_name if user is not None else None


def org_name(organisation: Any) -> str | None:
    return organisation.name if organisation is not None else None


def local_moment(value: dt.datetime | None) -> dt.datetime | None:
    """Local time, so the printed page and the JSON (ISO 8601 with offset) agree."""
    return timezone.localtime(value) if value is not None else None


def choice(obj: Any, field: str) -> dict[str, Any]:
    """A choice field as its code (machine-readable) and its Dutch label (readable)."""
    code = getattr(obj, field)
    return {field: code, f"{field}_label": getattr(obj, f"get_{field}_display")() if code else ""}


def life_domains(codes: list[str]) -> dict[str, Any]:
    labels = [str(LifeDomain(c).label) if c in LifeDomain.values else c for c in codes]
    return {"life_domains": list(codes), "life_domains_labels": labels}


def participant_export(participant: Participant, membership: Membership | None) -> dict[str, Any]:
    """Everything Voorzorg holds about one participant, and nothing about anyone else.

    For ``membership``: the handover's summary and life-domain status only where
    ``handover_texts_visible`` allows (the administrator's copy is complete; the POH's
    follows the consent to share, like every other view of the handover).

    The one source of the JSON download and the printable page: the participant, the
    kept versions of her details and her consents, then each registered dossier section
    in its place (referrals, waiting episodes, group places, attendance, contacts,
    measurements, signals; the corrected records with their versions). Group data
    stops at the participant's own enrolments and attendance: no other members, no
    session notes (a group note is about the whole group). Staff names are included: the
    participant may know who handled their data. A fixed number of queries, whatever the
    amount of data. Callers pass the participant through an access gate and write the
    EXPORT audit row.
    """
    p = participant
    export: dict[str, Any] = {
        "export": {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "generated_at": timezone.localtime(),
        },
        "participant": {
            "public_id": p.public_id,
            "given_name": p.given_name,
            "family_name": p.family_name,
            "date_of_birth": p.date_of_birth,
            "phone": p.phone,
            "email": p.email,
            "postcode4": p.postcode4,
            "municipality": org_name(p.municipality),
            "gp_practice": org_name(p.gp_practice),
            **choice(p, "target_group"),
            "prefers_group": p.prefers_group,
            "prefers_one_on_one": p.prefers_one_on_one,
            "prefers_digital": p.prefers_digital,
            "registered_at": local_moment(p.created_at),
            "erased_at": local_moment(p.erased_at),
        },
        # Every kept version of her details, oldest first: corrections with their reasons.
        "participant_versions": [
            version_export(v)
            for v in versions_from_rows(
                Participant,
                p.history.select_related("history_user").order_by("history_date", "history_id"),
                display=PARTICIPANT_VERSIONS,
            )
        ],
        "consents": [
            {
                **choice(c, "kind"),
                "given_on": c.given_on,
                "recorded_by": name_of(c.recorded_by),
                "withdrawn_on": c.withdrawn_on,
                "withdrawn_by": name_of(c.withdrawn_by),
            }
            for c in p.consents.select_related("recorded_by", "withdrawn_by").order_by(
                "given_on", "id"
            )
        ],
    }
    for section in registry.dossier_sections():
        export.update(section(p, membership))
    return export
