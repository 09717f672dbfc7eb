"""Synthetic data at national scale, for benchmarks (``manage.py seed_scale``).

The impure shell around ``scale_draw``: it finds the demo region's organisations and
staff (seeding the demo world when missing), reserves ids, writes the drawn rows (on
PostgreSQL with ``COPY ... FROM STDIN`` in chunks, one transaction per batch of about
50,000 episodes; elsewhere with ``bulk_create`` in batches, which is fine for the few
hundred rows a test needs) and removes them again (``scale_reset``). Memory stays flat
in the number of episodes written: only one batch and the people still on the simulated
queues are held (docs/performance.md, "Ten million episodes").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from groups.models import Contact
from participants.models import Consent, Participant
from referrals.models import Referral, WaitingEpisode
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, Region
from voorzorg.core.pgcopy import copy_insert

from .demo import seed_demo
from .demo_waitlist import PROVIDERS
from .demo_world import DEMO_REGION, GP_PRACTICES
from .scale_draw import (
    DEFAULT_PARTICIPANT_SHARE,
    EXTERNAL_ID_PREFIX,
    SCALE_EMAIL_DOMAIN,
    ScaleWorld,
    scale_rows,
)

_MODELS: dict[str, type[models.Model]] = {
    "episode": WaitingEpisode,
    "participant": Participant,
    "consent": Consent,
    "referral": Referral,
    "contact": Contact,
}


def _write(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Write rows with their ids: COPY on PostgreSQL, bulk_create in batches elsewhere."""
    copy_insert(model, rows)


def _reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of ``count`` consecutive free ids, reserved for explicit inserts."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            (sequence,) = cursor.fetchone()
            # Lock-free enough for a seed command: one writer. The sequence moves past the
            # block, so the app's own inserts never collide with the explicit ids.
            cursor.execute("SELECT nextval(%s)", [sequence])
            (first,) = cursor.fetchone()
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + max(count, 1) - 1])
            # The first id a freshly migrated database hands out is 1: the same ids on
            # every fresh run, which keeps seeded figures comparable.
            return first
    last = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
    return last + 1


def scale_world() -> ScaleWorld:
    """The demo region's organisations and staff; creates the demo world when missing."""
    agbs = [p.agb for p in PROVIDERS]
    if not Organisation.objects.filter(agb_code__in=agbs).exists():
        seed_demo()
    providers = dict(
        Organisation.objects.filter(
            kind=OrganisationKind.GGZ_PROVIDER, agb_code__in=agbs
        ).values_list("agb_code", "pk")
    )
    municipalities = dict(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
        .exclude(cbs_code="")
        .values_list("cbs_code", "pk")
    )
    region = Region.objects.filter(name=DEMO_REGION).first()
    # Only the demo region's practices and experts: the demo's second region keeps its
    # own people out of the synthetic Groningen referrals.
    practices = list(
        Organisation.objects.filter(
            kind=OrganisationKind.GP_PRACTICE,
            agb_code__in=[agb for agb, _n, _c in GP_PRACTICES],
            municipality__regions=region,
        )
        .order_by("agb_code")
        .values_list("pk", "municipality__cbs_code")
    )
    experts = sorted(
        Membership.objects.filter(
            role=Role.EXPERT, user__is_active=True, organisation__municipality__regions=region
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    poh_of_practice: dict[int, int] = {}
    for organisation_id, user_id in (
        Membership.objects.filter(role=Role.POH)
        .order_by("organisation_id", "user_id")
        .values_list("organisation_id", "user_id")
    ):
        poh_of_practice.setdefault(organisation_id, user_id)
    return ScaleWorld(
        providers=providers,
        municipalities=municipalities,
        practices=practices,
        region_id=region.pk if region else None,
        experts=experts,
        poh_of_practice=poh_of_practice,
    )


def scale_episode_count() -> int:
    return WaitingEpisode.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).count()


# Constant statements (no user input); the e-mail pattern is the one parameter.
_RESET_SQL = (
    "DELETE FROM groups_contact WHERE participant_id IN "
    "(SELECT id FROM participants_participant WHERE email LIKE %s)",
    "DELETE FROM participants_consent WHERE participant_id IN "
    "(SELECT id FROM participants_participant WHERE email LIKE %s)",
    "DELETE FROM referrals_referralevent WHERE referral_id IN (SELECT r.id FROM "
    "referrals_referral r JOIN participants_participant p ON p.id = r.participant_id "
    "WHERE p.email LIKE %s)",
    "DELETE FROM referrals_referral WHERE participant_id IN "
    "(SELECT id FROM participants_participant WHERE email LIKE %s)",
    "UPDATE referrals_waitingepisode SET participant_id = NULL WHERE participant_id IN "
    "(SELECT id FROM participants_participant WHERE email LIKE %s)",
    "DELETE FROM participants_participant WHERE email LIKE %s",
)


def scale_reset() -> None:
    """Remove every row ``seed_scale`` wrote (and nothing else)."""
    participants = Participant.objects.filter(email__endswith=f"@{SCALE_EMAIL_DOMAIN}")
    episodes = WaitingEpisode.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Plain set-based deletes: the ORM's collector would load a million rows.
            with connection.cursor() as cursor:
                for statement in _RESET_SQL:
                    cursor.execute(statement, [f"%@{SCALE_EMAIL_DOMAIN}"])
                cursor.execute(
                    "DELETE FROM referrals_waitingepisode WHERE external_id LIKE %s",
                    [f"{EXTERNAL_ID_PREFIX}%"],
                )
            return
        Contact.all_objects.filter(participant__in=participants).delete()
        Consent.objects.filter(participant__in=participants).delete()
        Referral.objects.filter(participant__in=participants).delete()
        episodes.delete()
        participants.delete()


def seed_scale(
    *,
    episodes: int,
    participants: int | None = None,
    seed: int = 2026,
    today: dt.date | None = None,
    progress: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, int]:
    """Write ``episodes`` synthetic episodes and bridging records; return counts per model.

    Idempotent at a size: when exactly ``episodes`` scale episodes exist already, nothing
    is written (returns an empty dict); any other earlier scale data is removed first, so
    the result is always one consistent set. Reproducible: the same arguments on a fresh
    database give the same rows with the same ids. Streams: one batch of rows is held
    at a time (plus the people still on a simulated queue), each written in its own
    transaction; ``progress`` is called with the counts so far after every batch.
    """
    today = today or timezone.localdate()
    if participants is None:
        participants = episodes // DEFAULT_PARTICIPANT_SHARE
    # idempotency: a state guard on the scale data's own external ids and size.
    existing = scale_episode_count()
    if existing == episodes:
        return {}
    if existing:
        scale_reset()
    world = scale_world()
    # Enough ids for the worst case of contacts (three per participant).
    counts = {"episode": episodes, "participant": participants, "consent": participants,
              "referral": participants, "contact": 3 * participants}  # fmt: skip
    with transaction.atomic():
        first_ids = {key: _reserve_ids(_MODELS[key], n) for key, n in counts.items()}
    written = dict.fromkeys(("episodes", "participants", "consents", "referrals", "contacts"), 0)
    for batch in scale_rows(
        episodes=episodes,
        participants=participants,
        seed=seed,
        today=today,
        world=world,
        first_ids=first_ids,
    ):
        # One transaction per batch: every batch holds its own participants, referrals
        # and contacts, so each commit is consistent; the deferred foreign-key checks
        # run per batch instead of piling up ten million trigger events in the server
        # until one final commit; and a seed that is stopped keeps what it wrote (the
        # next run sees the wrong size and starts again from scratch).
        with transaction.atomic():
            # Participants before the rows that point at them.
            for model, name in (
                (Participant, "participants"),
                (WaitingEpisode, "episodes"),
                (Consent, "consents"),
                (Referral, "referrals"),
                (Contact, "contacts"),
            ):
                batch_rows = getattr(batch, name)
                _write(model, batch_rows)
                written[name] += len(batch_rows)
        if progress is not None:
            progress(dict(written))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Fresh statistics, so the planner sees a million rows, not an empty table.
            for model in _MODELS.values():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return written
