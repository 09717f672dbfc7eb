"""One person's way through the app in a browser: sign in, check each page, keep evidence.

``Journey.check(step)`` is called on every page a journey visits (and on a page again when
it changed meaning, e.g. a form shown with its errors). It runs axe-core, prints the rules
hit, saves a full-page screenshot as test-output/e2e/<journey>/<nn>-<step>.png and fails on
any serious or critical violation. At the end of a journey, every address the browser
showed must have been checked, so a new page in a journey cannot slip past axe.

axe-core (shipped inside axe-playwright-python) goes into the page through Playwright's
``page.evaluate``, i.e. the DevTools protocol, which the page's Content Security Policy does
not govern: no ``bypass_csp`` is needed, and every page is checked under its real, strict
policy.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Download, Page, expect

OUTPUT_DIR = Path(settings.BASE_DIR) / "test-output" / "e2e"
BLOCKING_IMPACTS = ("serious", "critical")

_axe = Axe()


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    code: Callable[[], str]  # the six digits the person's authenticator app shows now


def csv_rows(path: Path) -> list[list[str]]:
    """The rows of an export as Dutch Excel reads it: UTF-8 with a BOM, semicolons."""
    return list(csv.reader(io.StringIO(path.read_text("utf-8-sig")), delimiter=";"))


def _address(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Journey:
    def __init__(self, *, name: str, page: Page, logins: dict[str, DemoLogin], output: Path):
        self.name = name
        self.page = page
        self.logins = logins
        self.output = output
        self.output.mkdir(parents=True, exist_ok=True)
        self.steps = 0
        self.shown: list[str] = []
        self.checked: set[str] = set()
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.shown.append(_address(frame.url))

    def check(self, step: str) -> None:
        """axe-core and a screenshot of the page as it stands; fail on serious problems."""
        page = self.page
        page.wait_for_load_state("load")
        results = _axe.run(page).response
        assert results["passes"], "axe-core checked nothing: did it run?"
        violations = results["violations"]
        self.steps += 1
        self._screenshot(self.output / f"{self.steps:02d}-{step}.png")
        address = _address(page.url)
        self.checked.add(address)
        hit = ", ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes)" for v in violations)
        line = f"{self.name} {self.steps:02d}-{step} {address}: {hit or 'no violations'}"
        print(f"axe {line}")
        with (OUTPUT_DIR / "axe.txt").open("a") as report:
            report.write(line + "\n")
        # Nothing sticks out sideways: on a phone the page scrolls down, never across
        # (a wide table scrolls inside its own box).
        wider = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert wider <= 0, f"{address} is {wider} px wider than the screen"
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']}\n    "
            + "\n    ".join(" ".join(node["target"]) for node in v["nodes"])
            for v in blocking
        )

    def _screenshot(self, path: Path) -> None:
        """The whole page, as on a screen tall enough to show it at once. A plain full-page
        capture keeps the viewport's height for layout, so a sticky bar (the save button of
        the attendance form) would be drawn across the middle of the page."""
        page = self.page
        viewport = page.viewport_size
        height = page.evaluate("() => document.documentElement.scrollHeight")
        if viewport and height > viewport["height"]:
            page.set_viewport_size({"width": viewport["width"], "height": height})
        try:
            page.screenshot(path=path, full_page=True)
        finally:
            if viewport:
                page.set_viewport_size(viewport)

    def keep(self, download: Download) -> Path:
        """Save a download next to the journey's screenshots, for the reviewer too."""
        path = self.output / download.suggested_filename
        download.save_as(path)
        return path

    def assert_every_page_checked(self) -> None:
        unchecked = sorted(set(self.shown) - self.checked)
        assert not unchecked, f"pages shown without an axe check: {unchecked}"

    def sign_in(self, who: str) -> None:
        """The real two-step sign-in: password, then the current code from the app."""
        login = self.logins[who]
        page = self.page
        page.goto("/")
        expect(page.get_by_role("heading", name="Inloggen bij Voorzorg")).to_be_visible()
        self.check("inloggen")
        page.get_by_label("E-mailadres").fill(login.email)
        page.get_by_label("Wachtwoord").fill(login.password)
        page.get_by_role("button", name="Inloggen").click()
        code = page.get_by_label("Code uit de app")
        expect(code).to_be_visible()
        self.check("code-uit-de-app")
        code.fill(login.code())
        page.get_by_role("button", name="Verder").click()
        expect(page).not_to_have_url(re.compile(r"/account/"))
