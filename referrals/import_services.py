"""Writes for imported waiting episodes: a provider's waitlist, saved in bulk.

The services of ``services.py`` for the waitlist import of ``monitoring`` (its own
module: ``services.py`` would grow past 500 lines). An imported episode is identified by
(provider, ``external_id``); a hand-entered one has an empty ``external_id`` and is
never matched. The import never changes ``participant`` from a row of the file: a
linked imported episode keeps its participant, and a new one gets one only when a
referral waits for it with the provider's reference (``provider_services.link_imported``).

Built for a hundred thousand rows: the caller checks every row first (the same rules
as the model's, ``episode_date_errors`` and the choices), so no ``full_clean`` per row;
existing episodes are read as plain tuples, new ones written with ``COPY`` on
PostgreSQL. The database's check and unique constraints remain the backstop.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from voorzorg.audit.services import Actor
from voorzorg.core.pgcopy import copy_insert

from .models import WaitingEpisode
from .provider_services import link_imported

# What an import sets on an episode, in this order (attribute names). Never
# ``participant``: linking a person to a waiting place is done in the app.
IMPORT_FIELDS: tuple[str, ...] = (
    "location",
    "birth_year",
    "municipality_id",
    "care_level",
    "diagnosis_group",
    "referral_date",
    "registration_date",
    "intake_date",
    "treatment_start_date",
    "closed_date",
    "close_reason",
)
IMPORT_FIELD_INDEX: dict[str, int] = {name: i for i, name in enumerate(IMPORT_FIELDS)}
# The provider's steps that make a linked referral's handover due.
_STAGE_INDEXES = (IMPORT_FIELD_INDEX["intake_date"], IMPORT_FIELD_INDEX["treatment_start_date"])


@dataclass(frozen=True, slots=True)
class ImportedEpisode:
    """One episode as a provider's file has it, checked. ``values`` follow ``IMPORT_FIELDS``."""

    provider_id: int
    external_id: str
    values: tuple[Any, ...]


@dataclass
class ImportedEpisodeChanges:
    """What saving imported episodes changed (or would change). Values follow
    ``IMPORT_FIELDS``; ``updated`` holds (values before, values after) pairs."""

    created: list[tuple[Any, ...]] = field(default_factory=list)
    updated: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = field(default_factory=list)
    unchanged: int = 0
    # Public ids of the participants whose (imported, linked) episode changed, or whose
    # referral the import linked to a new episode.
    changed_person_ids: set[str] = field(default_factory=set)
    # Linked episodes that gained an intake or a treatment start (ids).
    progressed: list[int] = field(default_factory=list)
    # Every created or updated episode as (provider id, values before or None, values
    # after): where in the figures the change lands (``monitoring.touched``).
    changed: list[tuple[int, tuple[Any, ...] | None, tuple[Any, ...]]] = field(default_factory=list)
    # Whether a referral was linked to a new episode: that also changes other episodes
    # (a hand-entered stand-in removed, an earlier place released).
    linked: bool = False


def _existing(episodes: Sequence[ImportedEpisode]) -> dict[tuple[int, str], tuple[Any, ...]]:
    """(provider id, external id) -> (id, provider id, external id, participant's public
    id, *IMPORT_FIELDS) of the episodes that exist already."""
    wanted: dict[int, list[str]] = defaultdict(list)
    for episode in episodes:
        wanted[episode.provider_id].append(episode.external_id)
    query = Q()
    for provider_id, external_ids in wanted.items():
        query |= Q(provider_id=provider_id, external_id__in=external_ids)
    # Plain tuples, not model instances: building 2,000 instances per batch to compare
    # them was a fifth of a large import. An instance is made only to update.
    return {
        (row[1], row[2]): row
        # exclude(external_id=""): the unique index is partial on exactly that condition,
        # and SQLite only uses it (instead of scanning the provider's rows for every
        # batch) when the query repeats it. order_by(): no sort needed.
        for row in WaitingEpisode.objects.filter(query)
        .exclude(external_id="")
        .order_by()
        .values_list("id", "provider_id", "external_id", "participant__public_id", *IMPORT_FIELDS)
    }


@transaction.atomic
def imported_episodes_save(
    *,
    episodes: Sequence[ImportedEpisode],
    now: dt.datetime,
    write: bool = True,
    actor: Actor | None = None,
) -> ImportedEpisodeChanges:
    """Create the new episodes and update the changed ones; leave the same ones alone.

    Idempotent: each episode is compared field by field with the stored one first, so
    saving the same episodes twice writes nothing the second time (``updated_at`` stays
    as it was). ``now`` is the created/updated time of what is written. With ``write``
    False nothing is written: the changes say what would be. One batch of a few
    thousand episodes at a time. Writes no audit row for the episodes: the caller logs
    the import as a whole, naming ``changed_person_ids``. Written, it links the referrals
    that wait for a new episode and tells the sending side of a linked episode's new
    intake or treatment start (as ``actor``, who links; ``link_imported``).
    """
    existing = _existing(episodes)
    changes = ImportedEpisodeChanges()
    to_create: list[dict[str, Any]] = []
    to_update: list[WaitingEpisode] = []
    for episode in episodes:
        found = existing.get((episode.provider_id, episode.external_id))
        if found is None:
            to_create.append(
                {
                    "created_at": now,
                    "updated_at": now,
                    "participant_id": None,
                    "provider_id": episode.provider_id,
                    "external_id": episode.external_id,
                    **dict(zip(IMPORT_FIELDS, episode.values, strict=True)),
                }
            )
            changes.created.append(episode.values)
            changes.changed.append((episode.provider_id, None, episode.values))
            continue
        old = found[4:]
        # idempotency: compare before writing; an unchanged row is not written at all.
        if old == episode.values:
            changes.unchanged += 1
            continue
        # bulk_update skips auto_now: set it here, or a change would not show as one.
        to_update.append(
            WaitingEpisode(
                id=found[0], **dict(zip(IMPORT_FIELDS, episode.values, strict=True)), updated_at=now
            )
        )
        changes.updated.append((old, episode.values))
        changes.changed.append((episode.provider_id, old, episode.values))
        if found[3] is not None:
            changes.changed_person_ids.add(found[3])
            if any(old[i] is None and episode.values[i] is not None for i in _STAGE_INDEXES):
                changes.progressed.append(found[0])
    if write:
        # COPY on PostgreSQL (the INSERT compiler was half of a large import).
        copy_insert(WaitingEpisode, to_create)
        if to_update:
            WaitingEpisode.objects.bulk_update(to_update, [*IMPORT_FIELDS, "updated_at"])
        new_keys = [
            (e.provider_id, e.external_id)
            for e in episodes
            if (e.provider_id, e.external_id) not in existing
        ]
        # Two calls, in the order one call takes them, so the import knows whether it
        # linked anything apart from whom it told.
        linked = link_imported(keys=new_keys, progressed=(), actor=actor)
        changes.linked = bool(linked)
        changes.changed_person_ids |= linked | link_imported(
            keys=(), progressed=changes.progressed, actor=actor
        )
    return changes
