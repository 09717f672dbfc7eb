"""The access log in words: every event the code writes has a label, and the viewer, its
CSV and the person's overview show words, keeping the raw key for technical use."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from voorzorg.audit.events import CONSENT_WORDS, EVENTS, FHIR_RESOURCES, describe, role_label
from voorzorg.audit.models import AccessLog

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("voorzorg", "participants", "referrals", "groups", "monitoring")
PLACEHOLDER = "{}"


# --- Reading the source for the events it writes -----------------------------------------------


def _source_trees() -> dict[Path, ast.Module]:
    trees = {}
    for directory in SOURCE_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel.startswith("voorzorg/devdata"):
                continue
            trees[path] = ast.parse(path.read_text(encoding="utf-8"))
    return trees


def _event_positions(trees) -> dict[str, int]:
    """Function name -> the position of its parameter called ``event`` (self not counted),
    so that ``audit_people_shown(request, "group.roster:1", people)`` is read too."""
    positions = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                if "event" in names:
                    skip = 1 if names[0] in ("self", "cls") else 0
                    positions[node.name] = names.index("event") - skip
    return positions


def event_key(node: ast.AST) -> str | None:
    """The key an expression writes: ``"signal.view"`` for ``f"signal.view:{pk}"``, a
    pattern such as ``"referral.{}"`` for ``f"referral.{to}:{pk}"``, and None for a
    value passed on from elsewhere (a variable, ``f"{event}:{pk}"``): its source is read
    where it is written."""
    if isinstance(node, ast.Subscript):  # f"..."[:100]
        node = node.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split(":", 1)[0]
    if not isinstance(node, ast.JoinedStr):
        return None
    key = ""
    for part in node.values:
        if isinstance(part, ast.Constant):
            if ":" in part.value:
                return key + part.value.split(":", 1)[0]
            key += part.value
        elif not key:
            return None
        else:
            key += PLACEHOLDER
    return key


def written_events() -> dict[str, str]:
    """Every event key (or pattern) the code writes -> one place that writes it.

    Read: every ``event=`` argument, every argument passed to a parameter called
    ``event``, the default of such a parameter, and every ``event = ...`` / ``EVENT = ...``.
    """
    trees = _source_trees()
    positions = _event_positions(trees.values())
    found: dict[str, str] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            values: list[ast.AST] = []
            if isinstance(node, ast.Call):
                values += [k.value for k in node.keywords if k.arg == "event"]
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                at = positions.get(name, -1)
                if 0 <= at < len(node.args):
                    values.append(node.args[at])
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                plain = args.posonlyargs + args.args
                with_default = plain[len(plain) - len(args.defaults) :]
                pairs = list(zip(with_default, args.defaults, strict=True))
                pairs += [
                    (a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d
                ]
                values += [default for arg, default in pairs if arg.arg == "event"]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id in ("event", "EVENT") for t in targets):
                    values.append(node.value)
            for value in values:
                key = event_key(value)
                if key:
                    found.setdefault(key, f"{path.relative_to(ROOT)}:{value.lineno}")
    return found


def dynamic_values() -> dict[str, list[str]]:
    """The keys built from a value, with every value they take."""
    from groups.api.signals import _SignalStepApi
    from referrals.services import TRANSITIONS
    from voorzorg.fhir.resource_types import RESOURCE_TYPES

    api_steps = sorted(cls.step for cls in _SignalStepApi.__subclasses__())
    return {
        # referrals.services._transition: one event per status a referral can move to.
        "referral.{}": sorted({to for (_frm, to) in TRANSITIONS}),
        # groups.views.signals: the steps a signal page posts ("do").
        "signal.{}": ["acknowledge", "resolve"],
        "api.signal.{}": api_steps,
        "fhir.{}.read": sorted(RESOURCE_TYPES),
        "fhir.{}.search": sorted(RESOURCE_TYPES),
    }


def test_the_reader_finds_events_however_they_are_written():
    found = written_events()
    for key in (
        "signal.acknowledge",  # event=f"signal.acknowledge:{locked.pk}"
        "participant.view",  # a gate's default: event: str = "participant.view"
        "group.roster",  # audit_people_shown(request, f"group.roster:{group.pk}", ...)
        "api.contact.list",  # audit_list(request, "api.contact.list", ...)
        "waitlist.import",  # event = f"waitlist.import:{name}"[:100]
        "role.refused",  # event=f"role.refused:{view}"[:100]
        "audit.view",  # EVENT = "audit.view:django-admin"
        "fhir.Patient.handover",  # _event("fhir.Patient.handover", logical_id)
        "referral.{}",  # event=f"referral.{to}:{locked.pk}"
        "account.deactivate",
        "membership.end",
    ):
        assert key in found, key


def test_every_event_the_code_writes_has_a_label():
    found = written_events()
    dynamic = dynamic_values()
    unlisted = sorted(key for key in found if PLACEHOLDER in key and key not in dynamic)
    assert not unlisted, (
        f"Events built from a value, without their values in dynamic_values(): {unlisted}"
    )
    keys = {key for key in found if PLACEHOLDER not in key}
    for pattern, values in dynamic.items():
        assert pattern in found, f"{pattern} is no longer written: drop it from the list"
        keys |= {pattern.replace(PLACEHOLDER, value) for value in values}
    missing = sorted(
        f"{key} ({found.get(key, 'built from a value')})" for key in keys - set(EVENTS)
    )
    assert not missing, f"Events without a label in voorzorg/audit/events.py: {missing}"


def test_no_label_is_left_for_an_event_nobody_writes():
    found = written_events()
    dynamic = dynamic_values()
    written = {key for key in found if PLACEHOLDER not in key}
    for pattern, values in dynamic.items():
        written |= {pattern.replace(PLACEHOLDER, value) for value in values}
    assert sorted(set(EVENTS) - written) == []


def test_the_word_lists_cover_every_value():
    from participants.constants import ConsentKind
    from voorzorg.fhir.resource_types import RESOURCE_TYPES

    assert set(CONSENT_WORDS) == set(ConsentKind.values)
    assert set(FHIR_RESOURCES) == set(RESOURCE_TYPES)


# --- Words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "label", "record"),
    [
        ("signal.acknowledge:2", "Signaal gezien", "Signaal 2"),
        ("signal.resolve:2", "Signaal afgehandeld", "Signaal 2"),
        ("signal.view:2", "Signaal bekeken", "Signaal 2"),
        ("referral.accepted:7", "Verwijzing geaccepteerd", "Verwijzing 7"),
        ("participant.view:12", "Dossier bekeken", "Deelnemer 12"),
        ("participant.export:json", "Gegevens van de deelnemer geëxporteerd", "als JSON-bestand"),
        (
            "consent.withdraw:share_at_handover",
            "Toestemming ingetrokken",
            "delen met de behandelaar bij de overdracht",
        ),
        ("referrals.list", "Getoond in de lijst verwijzingen", ""),
        (
            "account.update:12:full_name,email",
            "Account gewijzigd",
            "Gebruiker 12 (naam, e-mailadres)",
        ),
        ("membership.add:12:poh:4", "Rol toegekend", "Gebruiker 12: POH-GGZ bij organisatie 4"),
        (
            "monitoring.export:xlsx:2026-Q3:region=3",
            "Cijfers geëxporteerd",
            "Excel, periode 2026-Q3, regio 3",
        ),
        ("waitlist.import:wachtlijst.csv", "Wachtlijst geïmporteerd", "bestand wachtlijst.csv"),
        ("audit.view:django-admin", "Toegangslog geraadpleegd", "in het technisch beheer"),
        ("fhir.Patient.read:VZ-AAAAAAAA", "Via FHIR opgevraagd: deelnemer", "VZ-AAAAAAAA"),
        ("role.refused:referrals:mine", "Pagina geweigerd voor deze rol", "pagina referrals:mine"),
        ("something.new:3", "something.new:3", ""),
    ],
)
def test_an_event_in_words(event, label, record):
    described = describe(event)
    assert (described.label, described.record, described.raw) == (label, record, event)
    assert described.known is (label != event)


def test_roles_in_words():
    assert role_label("poh") == "POH-GGZ"
    assert role_label("admin") == "Functioneel beheerder"
    assert role_label("") == "—"
    assert role_label("iets") == "iets"


# --- The pages and the CSV ----------------------------------------------------------------------


@pytest.fixture
def acknowledged(db, poh_anna, participant_a, municipality):
    return AccessLog.objects.create(
        timestamp=timezone.make_aware(dt.datetime(2026, 10, 5, 10, 0)),
        actor=poh_anna,
        actor_label=poh_anna.email,
        organisation_id=participant_a.gp_practice_id,
        organisation_label="Praktijk A",
        role="poh",
        person_id=participant_a.public_id,
        action="U",
        event="signal.acknowledge:2",
        access_granted=True,
    )


@pytest.mark.django_db
def test_the_viewer_shows_words(client_for, admin_ada, region, acknowledged):
    body = client_for(admin_ada).get(reverse("audit:log")).content.decode()
    assert "Signaal gezien" in body
    assert "Signaal 2" in body
    assert "POH-GGZ" in body
    assert "signal.acknowledge:2" not in body


@pytest.mark.django_db
def test_the_csv_has_words_and_keeps_the_raw_keys(client_for, admin_ada, region, acknowledged):
    response = client_for(admin_ada).get(reverse("audit:export"))
    text = response.content.decode("utf-8").lstrip("\ufeff")
    header, *lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    anna = next(line for line in lines if line[1] == "anna@voorzorg.test")
    row = dict(zip(header, anna, strict=True))
    assert row["Rol"] == "POH-GGZ"
    assert row["Handeling"] == "Wijzigen"
    assert row["Gebeurtenis"] == "Signaal gezien"
    assert row["Betreft"] == "Signaal 2"
    assert row["Gebeurtenis (technisch)"] == "signal.acknowledge:2"
    assert row["Rol (technisch)"] == "poh"
    assert row["Handeling (code)"] == "U"
