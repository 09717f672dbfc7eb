"""The running version: from the build (VOORZORG_VERSION) or pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from voorzorg.core.version import app_version

ROOT = Path(__file__).resolve().parents[2]


def pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_without_a_build_version_it_is_pyprojects(monkeypatch):
    monkeypatch.delenv("VOORZORG_VERSION", raising=False)
    assert app_version() == pyproject_version()
    # An empty build argument counts as none (the Dockerfile's default).
    monkeypatch.setenv("VOORZORG_VERSION", "  ")
    assert app_version() == pyproject_version()


def test_the_build_version_wins(monkeypatch):
    monkeypatch.setenv("VOORZORG_VERSION", "0.1.0-12-g3f2a1bc")
    assert app_version() == "0.1.0-12-g3f2a1bc"


@pytest.mark.django_db
def test_every_page_shows_the_version_in_its_footer(client, monkeypatch):
    monkeypatch.setenv("VOORZORG_VERSION", "0.1.0-12-g3f2a1bc")
    html = client.get("/account/inloggen/").content.decode()
    footer = html.split("<footer", 1)[1].split("</footer>", 1)[0]
    assert "Voorzorg 0.1.0-12-g3f2a1bc" in footer


def test_the_image_tells_the_application_its_version():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r'^ENV VOORZORG_VERSION="\$\{VERSION\}"$', dockerfile, re.MULTILINE)
    # After the dependencies are installed: a new version rebuilds no pip layer.
    assert dockerfile.index("ARG VERSION") > dockerfile.index("pip install")
