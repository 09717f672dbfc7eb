"""A module over 500 lines is split along a real seam, or says why it is one module.

The reason is a paragraph of the module's docstring that starts with ``Why one module:``:
what holds the module together, and where to split it when it grows. Checked: every
``.py`` file of the apps (the packages of the app table in docs/architecture.md) and of
``bench/``; migrations and tests are not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500
MARKER = "Why one module:"


def packages() -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Apps and what each owns", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([\w/]+)` \|", section, flags=re.M)
    return sorted({row.split("/")[0] for row in rows} | {"bench"})


def says_why(source: str) -> bool:
    docstring = ast.get_docstring(ast.parse(source)) or ""
    return any(line.startswith(MARKER) for line in docstring.splitlines())


def oversized_without_reason() -> list[str]:
    found = []
    for package in packages():
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            source = path.read_text(encoding="utf-8")
            lines = len(source.splitlines())
            if lines > MAX_LINES and not says_why(source):
                found.append(f"{path.relative_to(ROOT).as_posix()} ({lines} lines)")
    return found


def test_the_checked_packages_are_the_apps_and_bench():
    assert {"voorzorg", "participants", "groups", "referrals", "monitoring", "bench"} <= set(
        packages()
    )


def test_the_marker_must_open_a_line_of_the_docstring():
    assert says_why('"""Figures.\n\nWhy one module: one table.\n"""\n')
    assert not says_why('"""Figures, in one module."""\n')
    assert not says_why('"""Figures."""\n# Why one module: a comment is not the docstring.\n')


def test_a_long_module_is_split_or_says_why_it_is_one():
    assert oversized_without_reason() == [], (
        f"Over {MAX_LINES} lines: split along a real seam, or start a paragraph of the "
        f"module docstring with {MARKER!r} (what holds it together, where to split it)."
    )
