"""How the token authentication appears in the OpenAPI schema (drf-spectacular)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "voorzorg.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (vz_...), made on the page 'API-sleutels'.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "voorzorg.accounts.authentication.VerifiedSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The web app's session, after both sign-in steps.",
        }


def only_rest_api(endpoints: list, **kwargs: object) -> list:
    """Keep /api/v1/ in the schema; /fhir/ describes itself (CapabilityStatement)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error. `errors` only for invalid input, per field.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {}},
        },
    },
    "required": ["detail"],
}

_ERRORS = {
    "400": "Invalid input or a broken rule (see `detail` and `errors`).",
    "401": "No token or session, or an invalid, expired or revoked token.",
    "403": "Your role may not use this endpoint, or may not take this action.",
    "404": "Not found, or outside your scope (the API does not say which).",
    "415": "The body is not JSON (send Content-Type: application/json).",
    "429": "Too many requests; see the Retry-After header.",
}

# The answers only an operation that takes an Idempotency-Key gives (voorzorg.api.idempotency).
_KEY_ERRORS = {
    "409": "A request with this Idempotency-Key is still being processed; retry later.",
    "422": "This Idempotency-Key was already used for a different request.",
}

# The answer of a correction (PATCH) made on an older version of the record.
_VERSION_ERRORS = {
    "409": "The record changed since you read it (`version`): read it again and resend.",
}


def document_errors(result: dict, generator: object, request: object, public: bool) -> dict:
    """Add the error responses every operation can give, with the one error schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            takes_input = method in {"post", "put", "patch"} or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            )
            takes_key = any(
                p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])
            )
            errors = {
                **_ERRORS,
                **(_KEY_ERRORS if takes_key else {}),
                **(_VERSION_ERRORS if method == "patch" else {}),
            }
            for code, description in errors.items():
                if code == "400" and not takes_input:
                    continue
                if code == "415" and method not in {"post", "put", "patch"}:
                    continue
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result
