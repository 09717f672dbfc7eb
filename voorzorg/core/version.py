"""The version of the running application, for the page footer, /health/ and the logs.

An operator who reads a log line, a bug report's screenshot or a probe's answer must be
able to tell which build produced it. The Docker build stamps the image with
``VOORZORG_VERSION`` (e.g. the output of ``git describe``); a checkout without it reports
the release in pyproject.toml.
"""

from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def app_version() -> str:
    """``VOORZORG_VERSION`` when set and not empty, else pyproject.toml's ``version``."""
    return os.environ.get("VOORZORG_VERSION", "").strip() or _pyproject_version()


@functools.cache
def _pyproject_version() -> str:
    """The ``[project] version`` of pyproject.toml, read once per process."""
    try:
        with PYPROJECT.open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        # A stripped-down install without the file still serves pages.
        return "unknown"
