"""Browser journeys: Playwright driving Debian's Chromium against a live server
with the demo world, axe-core on every page, screenshots under test-output/e2e/.

Run with ``make e2e`` (``pytest -m e2e tests/e2e``). A plain ``pytest`` (``make test``)
deselects these tests, so the fast suite needs no browser.

Each journey gets pytest-django's ``live_server`` (a transactional database, flushed
after the test) with the demo world freshly seeded, so no journey depends on another; only
the indicator history is computed once and reused (``_seed_demo_world``).
Everything that touches the database from the test process happens before Playwright
starts and after it stops: Playwright's sync API runs an asyncio loop in this thread, and
Django refuses ORM calls from a thread with a running loop. The live server answers in
its own thread.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import totp

from tests.e2e.journey import OUTPUT_DIR, DemoLogin, Journey
from tests.oidc_provider.fixtures import oidc_provider, sso_enabled  # noqa: F401

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As the issue asks: no sandbox (containers, CI), no GPU, and nothing that phones home
# or updates itself during a test run.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The demo logins the journeys sign in with (each with a fresh authenticator app per test).
LOGINS = {
    "poh": "anna.poh@voorzorg.example",
    "expert": "eva.expert@voorzorg.example",
    "coordinator": "cor.coordinator@voorzorg.example",
    "admin": "ada.admin@voorzorg.example",
}


def _is_e2e(item: pytest.Item) -> bool:
    return item.get_closest_marker("e2e") is not None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``-m``, leave the browser tests out; with ``-m e2e`` insist on Chromium.

    ``trylast``: runs after pytest's own ``-m`` selection, so ``items`` is what will run.
    """
    if not config.option.markexpr:
        deselected = [item for item in items if _is_e2e(item)]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if not _is_e2e(item)]
        return
    if any(_is_e2e(item) for item in items) and not shutil.which(CHROMIUM):
        raise pytest.UsageError(
            f"The browser tests need Chromium at {CHROMIUM}, which is missing. Install it "
            "with `apt-get install chromium` (.ci/run does), or point CHROMIUM at it. "
            "Never `playwright install`."
        )


CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep the outcome of the test body, so the journey fixture checks its pages only
    when the journey itself got to the end."""
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


@dataclass(frozen=True)
class DemoServer:
    url: str
    logins: dict[str, DemoLogin]


@pytest.fixture(scope="session")
def _demo_figures() -> dict:
    """The demo world's indicator history, kept after the first journey computed it."""
    return {}


def _seed_demo_world(figures: dict) -> None:
    """``seed_demo()``, computing the two years of indicator history (most of its 10 to 20
    seconds) only once per test session. The demo world is the same for the same day, so
    the figures are too: later journeys get the stored rows and ``seed_demo`` skips the
    computation, as on a second run. A row's only foreign key, its region, is kept by
    name and resolved once the seed has made the regions again (their ids may differ)."""
    from monitoring.models import ComputationRun, IndicatorValue
    from voorzorg.accounts.models import Region
    from voorzorg.devdata.demo import seed_demo

    today = timezone.localdate()
    again = figures.get("day") == today
    if again:
        ComputationRun.objects.bulk_create(ComputationRun(**row) for row in figures["runs"])
    seed_demo()
    if again:
        regions = dict(Region.objects.values_list("name", "pk"))
        IndicatorValue.objects.bulk_create(
            IndicatorValue(**row, region_id=regions[name] if name else None)
            for name, row in figures["values"]
        )
        return
    figures["day"] = today
    figures["runs"] = list(ComputationRun.objects.values(*_fields(ComputationRun)))
    figures["values"] = [
        (row.pop("region__name"), row)
        for row in IndicatorValue.objects.values(*_fields(IndicatorValue), "region__name")
    ]


def _fields(model) -> list[str]:
    """The model's own columns, without the id and foreign keys."""
    return [f.name for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation]


@pytest.fixture
def demo_server(live_server, _demo_figures) -> DemoServer:
    """pytest-django's live server on loopback, over the demo world seeded for this test.

    ``live_server`` gives the test a transactional database, flushed afterwards, so each
    journey starts from the same demo world, whatever the others did.
    """
    from tests.accounts.helpers import authenticator_of
    from voorzorg.accounts.models import User
    from voorzorg.devdata.demo_world import DEMO_PASSWORD

    _seed_demo_world(_demo_figures)
    logins = {}
    for key, email in LOGINS.items():
        device = authenticator_of(User.objects.get(email=email))
        logins[key] = DemoLogin(
            email=email,
            password=DEMO_PASSWORD,
            code=_code_function(device.bin_key, device.step, device.t0, device.digits),
        )
    return DemoServer(url=live_server.url, logins=logins)


def _code_function(key: bytes, step: int, t0: int, digits: int):
    """What the authenticator app shows now, computed as the phone does (no database)."""
    return lambda: str(totp(key, step=step, t0=t0, digits=digits)).zfill(digits)


@pytest.fixture(scope="session")
def _output_dir() -> Path:
    shutil.rmtree(OUTPUT_DIR, ignore_errors=True)
    OUTPUT_DIR.mkdir(parents=True)
    return OUTPUT_DIR


@pytest.fixture
def browser(demo_server, _output_dir):
    """Debian's Chromium, headless; started after the seed, stopped before the flush (see
    the module docstring)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def _journey(request, browser, demo_server, options: dict) -> Iterator[Journey]:
    name = request.node.name.removeprefix("test_")
    context = browser.new_context(
        base_url=demo_server.url, locale="nl-NL", accept_downloads=True, **options
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    journey = Journey(name=name, page=page, logins=demo_server.logins, output=OUTPUT_DIR / name)
    try:
        yield journey
        report = request.node.stash.get(CALL_REPORT, None)
        if report is not None and report.passed:
            journey.assert_every_page_checked()
    finally:
        context.close()


@pytest.fixture
def journey(request, browser, demo_server) -> Iterator[Journey]:
    """A fresh desktop browser context for one journey, named after the test: its axe
    results and screenshots go under test-output/e2e/<name>/."""
    yield from _journey(request, browser, demo_server, DESKTOP)


@pytest.fixture
def phone_journey(request, browser, demo_server) -> Iterator[Journey]:
    """The same on a 360 x 740 touch screen, as an experience expert's phone."""
    yield from _journey(request, browser, demo_server, PHONE)
