"""Reading the "Geschiedenis" section (templates/includes/versions.html) in a page."""

from __future__ import annotations

import re


def shows_change(body: str, label: str, old: str, new: str) -> bool:
    """Whether the page shows ``label`` changed from ``old`` to ``new`` in a version."""
    cell = r"</td><td[^>]*>"
    pattern = rf"{re.escape(label)}</th><td[^>]*>{re.escape(old)}{cell}{re.escape(new)}</td>"
    return re.search(pattern, body) is not None
