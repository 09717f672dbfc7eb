"""Property-based tests of the REST API against its committed OpenAPI schema (schemathesis).

For every operation and every role, schemathesis generates requests from the schema and
sends them, with that role's personal token, to the app in-process (WSGI). Each response
must not be a server error and must conform to the schema: a documented status code, the
documented content type and a body that validates. The world holds a participant,
referral, group, session, contact and signal in the personas' scope, so ids hit real
records as well as missing ones, and waiting episodes at two providers, whose forecasts
are stored for today (so /api/v1/forecasts/ answers from the store without ``as_of``
and computes them for the other days it is sent). Examples are bounded and
derandomised, so CI is repeatable and quick; raise VOORZORG_SCHEMATHESIS_EXAMPLES
locally to dig deeper.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from monitoring.forecasting.services import forecasts_store
from tests.api.conftest import token_for
from tests.conftest import FACTORY_TODAY
from tests.security.world import build_world
from voorzorg.settings.base import BASE_DIR

SCHEMA_FILE = Path(BASE_DIR) / "docs" / "openapi.yaml"
EXAMPLES = int(os.environ.get("VOORZORG_SCHEMATHESIS_EXAMPLES", "5"))
ROLES = ["poh_anna", "expert_eva", "coordinator_cor", "admin_ada"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_path(str(SCHEMA_FILE))
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go to the WSGI app directly, not through Django's test client, so undo what
    that client would: at the end of each request Django closes a connection that is not
    in autocommit, which on PostgreSQL is the test's own transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def role_token(
    request,
    personas,
    participant_a,
    referral_a,
    practice_a,
    municipality,
    region,
    provider,
    welfare_org,
    factory_today,
):
    build_world(
        participant_a=participant_a,
        referral_a=referral_a,
        practice_a=practice_a,
        municipality=municipality,
        region=region,
        provider=provider,
        expert_eva=personas["expert_eva"],
        admin_ada=personas["admin_ada"],
        now=FACTORY_TODAY,
    )
    forecasts_store(factory_today)
    return token_for(personas[request.param])


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, role_token):
    response = case.call(headers={"Authorization": f"Bearer {role_token}"})
    case.validate_response(response, checks=CHECKS)
