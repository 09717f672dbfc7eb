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


def capability_statement(
    *, base_url: str, search_params: dict[str, list[tuple[str, str, str]]], date: str
) -> Resource:
    """What this server does. ``search_params``: type -> [(name, type, documentation)]."""
    resources = []
    for resource_type, params in search_params.items():
        entry: Resource = {
            "type": resource_type,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
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
        "implementation": {"description": "Voorzorg FHIR API (read and search)", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read and search only. Every person resource is scoped to "
                "the caller's organisation and role and written to the NEN 7513 access log.",
                "security": {
                    "cors": False,
                    "description": "Signed-in staff session (two factors); coordinators are "
                    "refused every person resource.",
                },
                "resource": resources,
            }
        ],
    }
