"""Dependencies point one way: down the app table in docs/architecture.md.

The table is read from the document itself, so the doc and the code cannot drift: each
row's first cell names a package (``voorzorg/audit``) or a part of one
(``voorzorg/audit/viewer``); a module belongs to the row with the longest matching path.
A module may import its own row and the rows before it, never a row after it. Every
``import`` and ``from ... import`` counts, at module level and inside functions, absolute
and relative. Tests and migrations are not checked, nor ``voorzorg/devdata``, which seeds
every app and may import them all.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
UNCHECKED = ("voorzorg/devdata",)
# Seeds every app; moving to voorzorg/devdata (top of the table), which is not checked.
PENDING_MOVE = {"voorzorg/core/demo.py"}


def table_rows(text: str) -> list[str]:
    """The first cell of each row of the table under "Apps and what each owns", in order."""
    section = text.split("## Apps and what each owns", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([\w/]+)` \|", section, flags=re.M)


ROWS = table_rows(DOC.read_text(encoding="utf-8"))


def row_of(path: str) -> int | None:
    """The index of the row a module path (``a/b/c``, no suffix) belongs to, if any."""
    matching = [i for i, row in enumerate(ROWS) if path == row or path.startswith(row + "/")]
    return max(matching, key=lambda i: len(ROWS[i]), default=None)


def modules() -> list[Path]:
    packages = sorted({row.split("/")[0] for row in ROWS})
    found = []
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel.startswith(UNCHECKED) or rel in PENDING_MOVE:
                continue
            found.append(path)
    return found


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in the file, relative ones made absolute."""
    rel = path.relative_to(ROOT).with_suffix("")
    package = list(rel.parts if rel.name == "__init__" else rel.parts[:-1])
    if rel.name == "__init__":
        package = package[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from . import views``: the names may be modules themselves.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def violations() -> list[str]:
    wrong = []
    for path in modules():
        rel = path.relative_to(ROOT).with_suffix("").as_posix()
        own = row_of(rel)
        if own is None:
            wrong.append(f"{rel}: in no row of docs/architecture.md's table")
            continue
        for line, module in imported_modules(path):
            target = module.replace(".", "/")
            if target.startswith(UNCHECKED):
                wrong.append(f"{rel}:{line} imports {module}, which seeds data (not for apps)")
                continue
            other = row_of(target)
            if other is not None and other > own:
                wrong.append(
                    f"{rel}:{line} ({ROWS[own]}) imports {module} ({ROWS[other]}), a row below"
                )
    return sorted(set(wrong))


def test_the_table_names_the_apps():
    assert ROWS[:3] == ["voorzorg/core", "voorzorg/accounts", "voorzorg/audit"]
    for row in ("participants", "referrals", "groups", "monitoring", "voorzorg/api"):
        assert row in ROWS
    assert ROWS.index("voorzorg/fhir") > ROWS.index("groups")


def test_no_app_imports_one_below_it_in_the_table():
    assert violations() == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import referrals.selectors", ["referrals.selectors"]),
        ("from referrals import selectors", ["referrals", "referrals.selectors"]),
        (
            "def f():\n    from groups.models import Enrolment",
            ["groups.models", "groups.models.Enrolment"],
        ),
        ("from ..models import X", ["participants.models", "participants.models.X"]),
    ],
)
def test_imports_are_read_everywhere_and_made_absolute(tmp_path, monkeypatch, source, expected):
    module = ROOT / "participants" / "sub" / "probe.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert [m for _, m in imported_modules(module)] == expected


def test_a_module_belongs_to_the_row_with_the_longest_matching_path(monkeypatch):
    rows = ["voorzorg/core", "voorzorg/audit", "participants", "voorzorg/audit/viewer", "referrals"]
    monkeypatch.setattr(sys.modules[__name__], "ROWS", rows)
    assert row_of("voorzorg/audit/gate") == 1
    assert row_of("voorzorg/audit/viewer/views") == 3
    assert row_of("participants/selectors") == 2
    assert row_of("referrals/api/episodes") == 4
    assert row_of("voorzorg/core/x") == 0
    assert row_of("voorzorg/settings/base") is None
