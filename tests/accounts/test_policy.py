"""Role sets live in ``voorzorg.accounts.policy`` and nowhere else.

A set of roles spelled out in two places drifts: the page lets a role in that its API or
service refuses, or a link shows that leads to a 403. So the source is scanned: any set,
tuple, list or call with two or more ``Role.X``, or an ``or`` of comparisons with two
roles, outside ``policy.py`` fails this test; use (or add) a named set there. One role
(``membership.role == Role.POH``) is fine anywhere.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError

from voorzorg.accounts import policy
from voorzorg.accounts.constants import Role

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("voorzorg", "participants", "groups", "referrals", "monitoring")
POLICY_FILE = ROOT / "voorzorg" / "accounts" / "policy.py"

# Named sets by what they allow; ANY_ROLE is the one without the suffix.
ROLE_SETS = {
    name: value
    for name, value in vars(policy).items()
    if name.isupper() and isinstance(value, frozenset)
}
# Sets whose holders act on a person: each must also be allowed to see person records.
PERSON_ACTION_SETS = (
    "BRIDGING_TEAM_ROLES",
    "TEAM_LEAD_ROLES",
    "REFERRAL_SENDER_ROLES",
    "SUBJECT_ACCESS_ROLES",
    "RECORD_CORRECTION_ROLES",
    "ERASURE_ROLES",
)


def _is_role(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
    )


def _compared_role(node: ast.AST) -> str | None:
    """``x == Role.X`` (either side): the role's name, else None."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    if not isinstance(node.ops[0], ast.Eq):
        return None
    for side in (node.left, node.comparators[0]):
        if _is_role(side):
            return side.attr  # type: ignore[attr-defined]
    return None


def role_set_literals(source: str) -> list[tuple[int, str]]:
    """(line, code) of every spelled-out set of two or more roles in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
            roles = [e for e in node.elts if _is_role(e)]
        elif isinstance(node, ast.Call):  # role_required(Role.A, Role.B), frozenset(...)
            roles = [a for a in node.args if _is_role(a)]
        elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            roles = {r for r in map(_compared_role, node.values) if r is not None}
        else:
            continue
        if len(roles) >= 2:
            found.append((node.lineno, ast.unparse(node)))
    return found


# In a template: one {% if %} that compares the role with two role values or more.
TEMPLATE_IF = re.compile(r"{%\s*(?:el)?if\b(.*?)%}", re.S)
TEMPLATE_ROLE = re.compile(r"\.role\s*==\s*[\"'](\w+)[\"']")


def template_role_sets(text: str) -> list[str]:
    return [
        tag.group(0)
        for tag in TEMPLATE_IF.finditer(text)
        if len(set(TEMPLATE_ROLE.findall(tag.group(1)))) >= 2
    ]


# --- The detectors catch what they should, and only that -------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "X = frozenset({Role.POH, Role.ADMIN})",
        "X = (Role.EXPERT, Role.ADMIN)",
        "X = [Role.POH, Role.EXPERT, Role.ADMIN]",
        "ok = membership.role in (Role.POH, Role.ADMIN)",
        "q = Membership.objects.filter(role__in=[Role.POH, Role.EXPERT])",
        "@role_required(Role.COORDINATOR, Role.ADMIN)\ndef view(request): ...",
        "ok = m.role == Role.POH or m.role == Role.ADMIN",
        "ok = Role.POH == m.role or m.is_staff or m.role == Role.EXPERT",
    ],
)
def test_a_spelled_out_role_set_is_found(code):
    assert role_set_literals(code), code


@pytest.mark.parametrize(
    "code",
    [
        "ok = membership.role == Role.POH",
        "@role_required(Role.ADMIN)\ndef view(request): ...",
        "@role_required(*FIGURE_ROLES)\ndef view(request): ...",
        "X = frozenset({Role.ADMIN})",
        "ok = m.role == Role.ADMIN or (m.role == Role.EXPERT and m.is_team_lead)",
        "START = {Role.POH: 'a', Role.ADMIN: 'b'}",
        "ok = m.role == Role.POH or m.role == Role.POH",
        "u = DemoUser('a@b.example', 'Anna', Role.POH, '01990001')",
    ],
)
def test_a_single_role_or_a_named_set_is_not_flagged(code):
    assert role_set_literals(code) == []


def test_a_template_comparing_with_two_roles_is_found():
    found = template_role_sets(
        '{% if m.role == "poh" or m.role == "admin" %}x{% endif %}'
        '{% if m.role == "admin" %}y{% elif m.role == "expert" %}z{% endif %}'
    )
    assert found == ['{% if m.role == "poh" or m.role == "admin" %}']


# --- The code base keeps to it -----------------------------------------------------------


def test_role_sets_are_spelled_only_in_policy():
    offenders = []
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == POLICY_FILE:
                continue
            for line, code in role_set_literals(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {code}")
    assert offenders == [], "Use a named set of voorzorg/accounts/policy.py:\n" + "\n".join(
        offenders
    )


def test_templates_use_the_policy_sets_too():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for tag in template_role_sets(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}: {tag}")
    assert offenders == [], 'Use {% if current_membership|acts_in:"..._ROLES" %}:\n' + "\n".join(
        offenders
    )


def test_the_scan_reads_the_places_that_hold_role_checks():
    # Guards the guard: if the folders moved, the scan above would pass on nothing.
    scanned = [p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py")]
    assert len(scanned) > 100
    assert any(p.name == "access.py" for p in scanned)
    assert "PERSON_RECORD_ROLES" in (ROOT / "referrals" / "api" / "referrals.py").read_text(
        encoding="utf-8"
    )


# --- The sets themselves -----------------------------------------------------------------


def test_every_policy_set_holds_roles_only():
    assert ROLE_SETS, "policy.py defines no role sets"
    for name, roles in ROLE_SETS.items():
        assert roles, name
        assert roles <= set(Role), name
        assert all(isinstance(r, Role) for r in roles), name


def test_any_role_is_every_role():
    assert frozenset(Role) == policy.ANY_ROLE


@pytest.mark.parametrize("name", PERSON_ACTION_SETS)
def test_who_acts_on_a_person_may_also_see_person_records(name):
    assert ROLE_SETS[name] <= policy.PERSON_RECORD_ROLES


@pytest.mark.parametrize("name", ["PERSON_RECORD_ROLES", *PERSON_ACTION_SETS])
def test_a_coordinator_never_gets_a_person(name):
    assert Role.COORDINATOR not in ROLE_SETS[name]


def test_policy_depends_on_nothing_above_accounts():
    tree = ast.parse(POLICY_FILE.read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    imported |= {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {"__future__", "constants"}, imported


# --- The template filter ------------------------------------------------------------------


class _Acting:
    def __init__(self, role: str) -> None:
        self.role = role


@pytest.mark.parametrize(
    ("role", "shown"),
    [(Role.POH, True), (Role.ADMIN, True), (Role.EXPERT, False), (Role.COORDINATOR, False)],
)
def test_acts_in_filter_follows_the_named_set(role, shown):
    template = Template(
        '{% load role_policy %}{% if m|acts_in:"SUBJECT_ACCESS_ROLES" %}yes{% endif %}'
    )
    assert (template.render(Context({"m": _Acting(role)})) == "yes") is shown


def test_acts_in_filter_without_a_membership_is_false():
    template = Template('{% load role_policy %}{% if m|acts_in:"ANY_ROLE" %}yes{% endif %}')
    assert template.render(Context({})) == ""
    assert template.render(Context({"m": None})) == ""


def test_acts_in_filter_refuses_an_unknown_set_name():
    template = Template('{% load role_policy %}{% if m|acts_in:"PERSON_ROLES" %}yes{% endif %}')
    with pytest.raises(TemplateSyntaxError):
        template.render(Context({"m": _Acting(Role.POH)}))
