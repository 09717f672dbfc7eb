"""The person-record kernel's registry: what other apps plug into a participant's record.

``participants`` owns the person record, but not everything held about a person: a
referral, a place in a group, a contact are other apps' rows, and those apps sit above
this one (docs/architecture.md). So each app registers here, in its
``AppConfig.ready()``, what it adds to the record, and participants calls it without
importing the app:

- a **scope contribution** (``register_scope``): for the roles it names, a filter on
  ``Participant`` of the people an actor may see because of that app's rows ("a
  participant with a referral I may see", "in a group I facilitate");
  ``participants.selectors.participant_scope`` is the OR of the contributions for the
  role an actor acts in, so a new kind of user (a GGZ provider's staff, a municipality's)
  is one function in her app, registered for her role;
- a **dossier section** (``register_dossier_section``): that app's part of the AVG
  export, in a fixed place in it;
- an **erasure handler** (``register_erasure``): empties that app's free texts about the
  person, in its records and in their earlier versions (history tables), inside the
  erasure's transaction, and a **refusal** (``register_erasure_refusal``)
  for as long as that app's rows forbid erasing (an open referral);
- a **retention hold** (``register_retention_hold``): that app's recent or current care
  that keeps the record from expiring;
- a **page panel** (``register_page_panel``): that app's part of the participant page, a
  template and the function that builds its context, shown to the roles it names, in a
  fixed place on the page;
- a **merge handler** (``register_merge``): when two records of one person are merged
  (``participants.merging``), moves that app's rows from the record merged away to the
  one kept, saying which rows moved, and on an undo moves exactly those back.

Registration is keyed by name: registering a name again replaces it (``ready()`` may run
more than once in tests), and ``unregister`` removes one (tests only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from voorzorg.accounts.models import Membership

from .models import Participant

# Membership -> a filter on Participant of whom this contribution lets her see.
ScopeContribution = Callable[[Membership], Q]
# (participant, reader's membership) -> the section's keys and values in the export.
DossierSection = Callable[[Participant, Membership | None], dict[str, Any]]
# participant -> None: empties the app's own rows about the participant.
ErasureHandler = Callable[[Participant], None]


@dataclass(frozen=True)
class Link:
    """A record shown beside a refusal, to be dealt with first (its label, its page)."""

    label: str
    url: str


@dataclass(frozen=True)
class Refusal:
    """Why a participant cannot be erased now (Dutch), and the records in the way."""

    message: str
    blocking: tuple[Link, ...] = ()


# participant -> why it cannot be erased now, or None.
ErasureRefusal = Callable[[Participant], Refusal | None]
# (cutoff, after_cutoff) -> a queryset correlated on ``participant=OuterRef("pk")`` whose
# existence keeps the participant: care still running, or later than the cutoff day
# (``after_cutoff``: the first moment after it, for datetime fields).
RetentionHold = Callable[[dt.date, dt.datetime], QuerySet]


# (merged away, kept) -> the ids of the rows it moved, per table ("referrals.referral").
MergeMove = Callable[[Participant, Participant], dict[str, list[int]]]
# (moved ids per table, merged away, kept) -> None: moves those rows back.
MergeRestore = Callable[[dict[str, list[int]], Participant, Participant], None]
# participant -> how many rows of each kind would move, with a Dutch label.
MergeCount = Callable[[Participant], dict[str, int]]
# (merged away, kept) -> why they cannot be merged now (Dutch), or None.
MergeRefusal = Callable[[Participant, Participant], str | None]


@dataclass(frozen=True)
class MergeHandler:
    """An app's part of a merge. ``move`` and ``restore`` run inside the merge's (or the
    undo's) transaction, with both participants locked; ``refusal`` first, to say why the
    two cannot be one now (both in the same group, say)."""

    move: MergeMove
    restore: MergeRestore
    count: MergeCount
    refusal: MergeRefusal | None = None


# (participant, reader's membership) -> the panel template's context. It runs after the
# page's gate (the page wrote the access-log row) and reads at a fixed number of queries.
PanelContext = Callable[[Participant, Membership], dict[str, Any]]


class PanelPlace:
    """Where on the participant page a panel goes."""

    # Above the person's data and care, the full width: what must be seen first.
    TOP = "top"
    # In the wide column, after the referrals, waiting places and timeline.
    MAIN = "main"
    # Not on the participant page: the warm-handover package (the handover page and the
    # receiving provider's page of the referral) and the GP's feedback letter. Their
    # context functions decide what the reader's role and the consent to share allow.
    HANDOVER = "handover"
    LETTER = "letter"


@dataclass(frozen=True)
class PagePanel:
    position: int
    roles: frozenset[str]
    template: str
    context: PanelContext
    place: str


@dataclass(frozen=True)
class RenderedPanel:
    """A panel to show: its template and the context built for this participant."""

    name: str
    template: str
    context: dict[str, Any]


@dataclass(frozen=True)
class Scope:
    roles: frozenset[str]
    contribution: ScopeContribution


@dataclass(frozen=True)
class Section:
    position: int
    build: DossierSection


_scopes: dict[str, Scope] = {}
_sections: dict[str, Section] = {}
_erasures: dict[str, ErasureHandler] = {}
_refusals: dict[str, ErasureRefusal] = {}
_holds: dict[str, RetentionHold] = {}
_panels: dict[str, PagePanel] = {}
_merges: dict[str, MergeHandler] = {}


def register_scope(name: str, *, roles: Iterable[str], contribution: ScopeContribution) -> None:
    """Let members acting in ``roles`` see the participants ``contribution`` selects."""
    _scopes[name] = Scope(frozenset(roles), contribution)


def register_dossier_section(name: str, *, position: int, build: DossierSection) -> None:
    """Add ``build``'s keys to the AVG export, after the sections of a lower position."""
    _sections[name] = Section(position, build)


def register_erasure(name: str, erase: ErasureHandler) -> None:
    _erasures[name] = erase


def register_erasure_refusal(name: str, refusal: ErasureRefusal) -> None:
    _refusals[name] = refusal


def register_retention_hold(name: str, hold: RetentionHold) -> None:
    _holds[name] = hold


def register_merge(name: str, handler: MergeHandler) -> None:
    """Move this app's rows when two records of one person are merged, and back on undo."""
    _merges[name] = handler


def register_page_panel(
    name: str,
    *,
    position: int,
    roles: Iterable[str],
    template: str,
    context: PanelContext,
    place: str = PanelPlace.MAIN,
) -> None:
    """Show ``template`` on the participant page to members acting in ``roles``, in
    ``place``, after the panels of a lower position there; ``context`` builds its context."""
    _panels[name] = PagePanel(position, frozenset(roles), template, context, place)


def unregister(name: str) -> None:
    """Remove every registration under ``name`` (for tests)."""
    for registry in (_scopes, _sections, _erasures, _refusals, _holds, _panels, _merges):
        registry.pop(name, None)


def scope_contributions(role: str) -> list[ScopeContribution]:
    """The contributions that count for a member acting in ``role``, in registration order."""
    return [s.contribution for s in _scopes.values() if role in s.roles]


def dossier_sections() -> list[DossierSection]:
    return [s.build for s in sorted(_sections.values(), key=lambda s: s.position)]


def erasure_handlers() -> list[ErasureHandler]:
    return list(_erasures.values())


def erasure_refusals() -> list[ErasureRefusal]:
    return list(_refusals.values())


def retention_holds() -> list[RetentionHold]:
    return list(_holds.values())


def merge_handlers() -> dict[str, MergeHandler]:
    """The merge handlers by name, in registration order."""
    return dict(_merges)


def page_panels(
    participant: Participant, membership: Membership, place: str
) -> list[RenderedPanel]:
    """The panels in ``place`` that ``membership``'s role sees, in position order, each
    with its context built. Call only after the participant's gate let her through."""
    shown = sorted(
        (
            (panel.position, name, panel)
            for name, panel in _panels.items()
            if panel.place == place and membership.role in panel.roles
        ),
        key=lambda row: (row[0], row[1]),
    )
    return [
        RenderedPanel(name, panel.template, panel.context(participant, membership))
        for _position, name, panel in shown
    ]
