"""The waitlist upload as an administrator sees it: send a file, land on the job's page,
read the result there (monitoring.jobs).

The live server runs Celery eagerly, as ``make run`` does, so the job has run before its
page is shown. Two small files: one refused (nothing written, every reason with its
line), one only checked (a dry run). Neither writes an episode, so no recompute follows
and the demo world stays as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from monitoring.importer import COLUMNS

pytestmark = pytest.mark.e2e


def _waitlist(*, bad_care_level: bool) -> bytes:
    """Three rows of a demo provider's export, a year back; the third refused if asked."""
    from voorzorg.devdata.demo_waitlist import PROVIDERS

    registered = timezone.localdate() - dt.timedelta(days=400)
    lines = [",".join(COLUMNS)]
    for i in range(3):
        care_level = "zwaar" if bad_care_level and i == 2 else "s-ggz"
        lines.append(
            ",".join(
                [
                    PROVIDERS[0].agb,
                    "Groningen-Centrum",
                    f"E2E-{i}",
                    "1985",
                    "GM0014",
                    care_level,
                    "",
                    "",
                    registered.isoformat(),
                    "",
                    "",
                    "",
                    "",
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_an_upload_shows_its_result_on_the_job_page(journey):
    refused = _waitlist(bad_care_level=True)
    checked = _waitlist(bad_care_level=False)
    page = journey.page
    journey.sign_in("admin")
    journey.check("beheer")  # her start page
    page.get_by_role("link", name="Wachtlijst van een GGZ-aanbieder importeren").click()
    expect(
        page.get_by_role("heading", name="Wachtlijst van een GGZ-aanbieder importeren")
    ).to_be_visible()
    journey.check("wachtlijst-importeren")

    page.get_by_label("Wachtlijstbestand (CSV)").set_input_files(
        {"name": "aanbieder.csv", "mimeType": "text/csv", "buffer": refused}
    )
    page.get_by_role("button", name="Bestand versturen").click()
    expect(page.get_by_role("heading", name="Wachtlijstimport van aanbieder.csv")).to_be_visible()
    expect(page.get_by_text("Stand: Klaar")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "aanbieder.csv is niet geïmporteerd: 1 fout(en) in 1 regel(s). Er is niets opgeslagen."
    )
    row = page.get_by_role("row").filter(has_text="Onbekende zorgzwaarte 'zwaar'")
    expect(row.get_by_role("cell").first).to_have_text("4")
    expect(page.get_by_role("link", name="Download de 1 reden als CSV")).to_be_visible()
    journey.check("import-geweigerd")

    page.get_by_role("link", name="Het verbeterde bestand versturen").click()
    expect(page.get_by_role("link", name="aanbieder.csv")).to_be_visible()  # recent imports
    journey.check("wachtlijst-importeren-met-recente")
    page.get_by_label("Wachtlijstbestand (CSV)").set_input_files(
        {"name": "verbeterd.csv", "mimeType": "text/csv", "buffer": checked}
    )
    page.get_by_label("Alleen controleren, niets opslaan").check()
    page.get_by_role("button", name="Bestand versturen").click()
    expect(page.get_by_role("status").filter(has_text="verbeterd.csv is in orde")).to_contain_text(
        "3 regels. Bij importeren: 3 nieuw"
    )
    expect(page.get_by_text("Zou nieuw zijn")).to_be_visible()
    journey.check("import-gecontroleerd")


def _in_db(work):
    """Run ``work`` outside Playwright's event loop (Django refuses database calls from
    inside it), on a connection of its own, closed afterwards."""

    def run():
        from django.db import connection

        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _running_import():
    from monitoring.constants import JobKind, JobPhase, JobState
    from monitoring.models import BackgroundJob
    from voorzorg.accounts.models import User
    from voorzorg.accounts.selectors import regions_of

    ada = User.objects.get(email="ada.admin@voorzorg.example")
    membership = ada.memberships.get()
    job = BackgroundJob.objects.create(
        kind=JobKind.WAITLIST_IMPORT,
        state=JobState.RUNNING,
        created_by=ada,
        membership=membership,
        params={"filename": "groot.csv", "dry_run": False},
        phase=JobPhase.CHECKING,
        progress_done=12_000,
        progress_total=48_000,
    )
    # Queued and started when it was made: the live server's moment, not the test's clock.
    BackgroundJob.objects.filter(pk=job.pk).update(
        enqueued_at=F("created_at"), started_at=F("created_at")
    )
    job.regions.set(regions_of(membership))
    return job.pk


def _update(pk: int, **values) -> None:
    from monitoring.models import BackgroundJob

    BackgroundJob.objects.filter(pk=pk).update(**values)


def test_a_running_import_shows_its_progress_until_the_result(journey):
    pk = _in_db(_running_import)
    page = journey.page
    journey.sign_in("admin")
    journey.check("beheer")
    page.goto(f"/dashboard/beheer/taken/{pk}/")
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute(
        "aria-valuetext", "Stap 1 van 2, controleren: 12.000 van 48.000 regels"
    )
    expect(bar).to_have_attribute("aria-valuenow", "10")
    # The width comes from static/js/progress.js (no style attributes under the CSP).
    expect(bar.locator(".progress-bar")).to_have_attribute("style", re.compile(r"width: 10%"))
    journey.check("import-bezig")

    # The worker moves on: the page follows by itself (htmx polls every two seconds).
    _in_db(lambda: _update(pk, phase="saving", progress_done=24_000))
    expect(bar).to_have_attribute(
        "aria-valuetext", "Stap 2 van 2, opslaan: 24.000 van 48.000 regels"
    )
    expect(page.get_by_role("progressbar").locator(".progress-bar")).to_have_attribute(
        "style", re.compile(r"width: 70%")
    )

    result = {"filename": "groot.csv", "ok": True, "written": True, "rows": 48_000}
    result |= {"created": 47_000, "updated": 1_000, "unchanged": 0}
    _in_db(lambda: _update(pk, state="done", result=result, finished_at=F("started_at")))
    expect(page.get_by_text("Stand: Klaar")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(0)  # no more polling either
    summary = "groot.csv is geïmporteerd: 48000 regels, 47000 nieuw, 1000 bijgewerkt"
    expect(page.locator("#vz-job-announce")).to_contain_text(summary)  # said aloud once
    journey.check("import-klaar")
