"""The committed OpenAPI file is the schema the code generates (``make schema`` writes it)."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.management import call_command

from voorzorg.settings.base import BASE_DIR

COMMITTED = Path(BASE_DIR) / "docs" / "openapi.yaml"


def test_the_committed_schema_is_up_to_date(tmp_path):
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--validate", "--file", str(fresh))
    assert COMMITTED.read_text("utf-8") == fresh.read_text("utf-8"), (
        "docs/openapi.yaml is out of date: run `make schema` and commit the result."
    )


def test_every_operation_documents_its_errors_and_auth():
    schema = yaml.safe_load(COMMITTED.read_text("utf-8"))
    assert {"apiToken", "session"} <= set(schema["components"]["securitySchemes"])
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert operations
    for path, method, operation in operations:
        assert path.startswith("/api/v1/"), path
        codes = set(operation["responses"])
        assert {"401", "403", "404", "429"} <= codes, (method, path, codes)
        assert any(code.startswith("2") for code in codes), (method, path)
        if method in {"post", "put", "patch"}:
            assert "400" in codes, (method, path)
        assert operation.get("summary") or operation.get("description"), (method, path)
        assert {"apiToken": []} in operation["security"], (method, path)


def test_the_schema_and_its_docs_are_served_from_local_files(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert "/api/v1/indicators/" in schema.content.decode()
    for url in ("/api/docs/", "/api/redoc/"):
        page = client.get(url).content.decode()
        assert "/static/drf_spectacular_sidecar/" in page
        assert "http://" not in page and "https://" not in page, url
