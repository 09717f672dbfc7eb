"""FHIR Bundles and outcomes: a search's ``searchset``, the handover's ``collection``,
the OperationOutcome of every error and the server's CapabilityStatement.
"""

from __future__ import annotations

import datetime as dt

from .datatypes import FHIR_VERSION, HANDOVER_OPERATION, Resource, compact, fhir_datetime


def searchset(
    entries: list[tuple[str, Resource]], *, total: int, links: list[tuple[str, str]]
) -> Resource:
    """A searchset Bundle; ``entries`` are (fullUrl, resource), ``links`` (relation, url)."""
    return compact(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": total,
            "link": [{"relation": rel, "url": url} for rel, url in links],
            "entry": [
                {"fullUrl": url, "resource": res, "search": {"mode": "match"}}
                for url, res in entries
            ],
        }
    )


def collection(entries: list[tuple[str, Resource]], *, timestamp: dt.datetime) -> Resource:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": fhir_datetime(timestamp),
        "entry": [{"fullUrl": url, "resource": res} for url, res in entries],
    }


def operation_outcome(code: str, diagnostics: str, *, severity: str = "error") -> Resource:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


# The writes (voorzorg.fhir.writes), per resource type: (interaction, documentation).
WRITES: dict[str, tuple[tuple[str, str], ...]] = {
    "Task": (
        (
            "update",
            "PUT Task/<id>: the handover as read, with another status or first appointment "
            "(output eerste-afspraak). The receiving provider: accepted or in-progress "
            "confirms receipt; the bridging team: completed completes the handover.",
        ),
        (
            "patch",
            "PATCH Task/<id> with a JSON Patch (application/json-patch+json) on the Task as "
            "read; the same rules as update.",
        ),
    ),
    "EpisodeOfCare": (
        (
            "create",
            "POST EpisodeOfCare: the receiving provider's status update of its own waiting "
            "place linked to a referral (id wait-<n> or its client number as identifier); "
            "waitlist, active, finished or cancelled. 200, not 201: nothing is created.",
        ),
    ),
}


def capability_statement(
    *, base_url: str, search_params: dict[str, list[tuple[str, str, str]]], date: str
) -> Resource:
    """What this server does. ``search_params``: type -> [(name, type, documentation)]."""
    resources = []
    for resource_type, params in search_params.items():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        interactions += [
            {"code": code, "documentation": doc} for code, doc in WRITES.get(resource_type, ())
        ]
        entry: Resource = {
            "type": resource_type,
            "interaction": interactions,
            "searchParam": [
                {"name": name, "type": kind, "documentation": doc} for name, kind, doc in params
            ],
        }
        if resource_type == "Patient":
            entry["operation"] = [
                {
                    "name": "handover",
                    "definition": HANDOVER_OPERATION,
                    "documentation": "GET Patient/<id>/$handover: the warm-handover Bundle "
                    "(collection); only with the participant's consent to share.",
                }
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "Voorzorg",
        "kind": "instance",
        "software": {"name": "Voorzorg"},
        "implementation": {
            "description": "Voorzorg FHIR API (read and search; the handover Task and the "
            "provider's waiting places writable)",
            "url": base_url,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read and search, and a few writes (the handover Task's "
                "status, a provider's waiting place). Every person resource is scoped to "
                "the caller's organisation and role and written to the NEN 7513 access log; "
                "every write body is validated against the FHIR R4B models.",
                "security": {
                    "cors": False,
                    "description": "A personal API token (Authorization: Bearer) or a "
                    "signed-in staff session (two factors); coordinators are refused every "
                    "person resource; a GGZ provider's staff see only what is addressed to "
                    "their organisation.",
                },
                "resource": resources,
            }
        ],
    }
