"""The figures' region, across every reader: a matrix of persona x reader x region asked
for, checking the status and whose figure the answer carries.

Each scope holds one tell-tale stored figure (aanmeld_within_norm, 2026-Q3, total):
all data 11.1%, Groningen (the personas' region) 22.2%, Amsterdam (the security world's
other region) 33.3%. A reader may show only her own scope's figure, whatever ``regio``
(pages, exports) or ``region`` (API) she sends: another region's is refused (the API's
400) or answered with her own (the pages fall back, saying so), and all data reaches no
one here, since every reader with figures in this world is bound to a region.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from monitoring.models import ComputationRun, IndicatorValue
from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, UserFactory
from voorzorg.accounts.constants import Role

MARKS = {"all": "11.1", "home": "22.2", "foreign": "33.3"}

DASHBOARD = "/dashboard/"
READERS = {
    "dashboard": (DASHBOARD, {"periode": "2026-Q3"}, "regio"),
    "print": ("/dashboard/afdrukken/", {"periode": "2026-Q3"}, "regio"),
    "csv": (DASHBOARD, {"periode": "2026-Q3", "formaat": "csv"}, "regio"),
    "xlsx": (DASHBOARD, {"periode": "2026-Q3", "formaat": "xlsx"}, "regio"),
    "api": ("/api/v1/indicators/", {"period": "2026-Q3"}, "region"),
}
PAGES = ("dashboard", "print", "csv", "xlsx")

# persona -> (status on a page, status of the API, the scope her figures are of).
# Asking for the other region: the pages answer 200 with her own figures, the API 400.
EXPECTED = {
    "anonymous": (302, 401, None),
    "poh_anna": (403, 403, None),
    "poh_bram": (403, 403, None),
    "expert_eva": (403, 403, None),
    "coordinator_cor": (200, 200, "home"),
    "admin_ada": (200, 200, "home"),
    "far_coordinator": (200, 200, "foreign"),
    "far_admin": (200, 200, "foreign"),
    # A municipality's policy officer: her region's figures (here its total row).
    "municipality_mia": (200, 200, "home"),
    "far_municipality": (200, 200, "foreign"),
}


@pytest.fixture
def figures(world):
    home_region = world["home"]["referral"].region
    far_region = world["foreign"]["referral"].region
    ComputationRun.objects.create(
        period="2026-Q3", computed_at=dt.datetime(2026, 10, 1, 3, tzinfo=dt.UTC)
    )
    # Each region's municipality carries its region's mark too: what the municipality's
    # policy officer sees first (her own municipality's figures).
    groups = {
        "all": [("total", "all")],
        "home": [("total", "all"), ("municipality", "GM0014")],
        "foreign": [("total", "all"), ("municipality", "GM0363")],
    }
    for region, mark in ((None, "all"), (home_region, "home"), (far_region, "foreign")):
        for breakdown, group in groups[mark]:
            IndicatorValue.objects.create(
                region=region,
                indicator="aanmeld_within_norm",
                period="2026-Q3",
                breakdown=breakdown,
                group=group,
                numerator=None,
                denominator=40,
                value=Decimal(MARKS[mark]),
                computed_at=dt.datetime(2026, 10, 1, 3, tzinfo=dt.UTC),
            )
    return {"home": home_region, "foreign": far_region}


@pytest.fixture
def clients(world, personas, municipality_mia, client_for):
    far_municipality = world["foreign"]["practice"].municipality
    far_region = world["foreign"]["referral"].region

    def far(email: str, **membership):
        user = with_authenticator(UserFactory(email=email))
        MembershipFactory(user=user, organisation=far_municipality, **membership)
        return client_for(user)

    made = {name: client_for(user) for name, user in personas.items()}
    made["anonymous"] = Client()
    made["far_coordinator"] = far("coen@verweg.test", role=Role.COORDINATOR, region=far_region)
    made["far_admin"] = far("aafke@verweg.test", role=Role.ADMIN)
    made["municipality_mia"] = client_for(municipality_mia)
    made["far_municipality"] = far("mats@verweg.test", role=Role.MUNICIPALITY)
    return made


def _text(response, reader: str) -> str:
    if reader == "xlsx" and response.status_code == 200:
        workbook = load_workbook(io.BytesIO(response.content))
        return " ".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return response.content.decode("utf-8", errors="replace").replace(",", ".")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(EXPECTED))
def test_figure_scope_matrix(persona, clients, figures):
    page_status, api_status, own = EXPECTED[persona]
    client = clients[persona]
    wrong: list[str] = []
    for reader, (url, query, parameter) in READERS.items():
        for asked in (None, "home", "foreign", "unknown"):
            params = dict(query)
            if asked in ("home", "foreign"):
                params[parameter] = str(figures[asked].pk)
            elif asked == "unknown":
                params[parameter] = "999999"
            response = client.get(url, params)
            status = response.status_code
            expected = page_status if reader in PAGES else api_status
            refused_region = (
                reader == "api"
                and own is not None
                and asked is not None
                and not (asked == "home" and own == "home")
                and not (asked == "foreign" and own == "foreign")
            )
            if refused_region:
                expected = 400
            label = f"{reader} {parameter}={asked}"
            if status != expected:
                wrong.append(f"{label}: expected {expected}, got {status}")
                continue
            text = _text(response, reader)
            shown = {scope for scope, mark in MARKS.items() if mark in text}
            if status == 200:
                if shown != {own}:
                    wrong.append(f"{label}: shows {sorted(shown)}, expected only {own}")
            elif shown:
                wrong.append(f"{label}: a refusal carries {sorted(shown)}")
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)
