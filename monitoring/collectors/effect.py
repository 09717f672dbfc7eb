"""The effect figures' rows from the database (docs/indicators.md, "Effect").

These figures are statistics (confidence intervals, a standardised difference), not
sums, so their sources do not aggregate: each ``fetch`` builds the period's rows of the
pure engine's type with a fixed number of queries, and the definitions' own ``compute``
turns them into figures (``aggregate.collect_source``); rows that can only
be alike (an ended episode without a participant) are counted in the database and
repeated. The first bridging contact and
whether bridging care has ended are read per row by subqueries (``_bridging``); the
rules that combine them are effect.py's (``bridging_span``, ``is_bridged``,
``is_paired``), so both paths mean the same by "bridged" and "in bridging care".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from groups.constants import EnrolmentStatus, SignalSeverity
from groups.models import Contact, Enrolment, PositiveHealthMeasurement, Signal
from monitoring.indicators import effect
from monitoring.indicators.bridging import ENDED_REFERRAL_STATUSES
from monitoring.indicators.rows import EndedEpisodeRow, ExposureRow, PairedChangeRow
from participants.models import Participant
from referrals.constants import OPEN_STATUSES
from referrals.models import Referral, WaitingEpisode

from .aggregate import DbSource
from .scope import Frame, episodes_in, of_participants_in, participants_in, within

FIRSTS = ("first_contact", "first_enrolment", "first_referral_contact")


def _firsts(ref: str) -> dict[str, Subquery]:
    """The three days bridging care may start on, per participant (``ref`` names the
    participant id of the outer row): the first standing one-on-one contact, the first
    group enrolment start (not a waiting-list place), a referral's first contact."""
    contact = Contact.objects.filter(participant_id=OuterRef(ref)).order_by("date")
    enrolment = (
        Enrolment.objects.filter(participant_id=OuterRef(ref))
        .exclude(status=EnrolmentStatus.WAITING)
        .order_by("start_date")
    )
    referral = Referral.objects.filter(
        participant_id=OuterRef(ref), first_contact_date__isnull=False
    ).order_by("first_contact_date")
    return {
        "first_contact": Subquery(contact.values("date")[:1]),
        "first_enrolment": Subquery(enrolment.values("start_date")[:1]),
        "first_referral_contact": Subquery(referral.values("first_contact_date")[:1]),
    }


def _bridging(ref: str) -> dict[str, Any]:
    """``_firsts`` plus what decides the end: an open referral or none at all
    (``ongoing``), and the last moment one of the participant's referrals changed to an
    ended status."""
    referrals = Referral.objects.filter(participant_id=OuterRef(ref))
    last_ended = referrals.filter(
        status__in=sorted(ENDED_REFERRAL_STATUSES), status_changed_at__isnull=False
    ).order_by("-status_changed_at")
    return {
        **_firsts(ref),
        "ongoing": ExpressionWrapper(
            Q(Exists(referrals.filter(status__in=sorted(OPEN_STATUSES)))) | ~Q(Exists(referrals)),
            output_field=BooleanField(),
        ),
        "last_ended": Subquery(last_ended.values("status_changed_at")[:1]),
    }


def _span(row: dict[str, Any], zone: dt.tzinfo | None = None) -> effect.Span | None:
    """The row's bridging span. ``zone``: the current time zone, looked up once by a
    caller that has many rows (``timezone.localdate`` looks it up per call)."""
    last = row["last_ended"]
    return effect.bridging_span(
        effect.bridging_start(*(row[name] for name in FIRSTS)),
        ongoing=bool(row["ongoing"]),
        last_ended=last.astimezone(zone or timezone.get_current_timezone()).date()
        if last
        else None,
    )


# --- Ended waiting episodes -------------------------------------------------------------


def _ended_episodes(frame: Frame) -> list[EndedEpisodeRow]:
    """The episodes of the scope that ended in the period (two queries), alike ones in
    one row with their ``count``: the figures only count episodes.

    Only an episode with a participant can be bridged, so only those are read one by
    one with their bridging care; the others (nineteen in twenty at scale) are counted
    in the database per provider, care level, municipality, start and close reason.
    """
    span = frame.span
    episodes = within(
        WaitingEpisode.objects.filter(
            Q(treatment_start_date__range=span)
            | Q(treatment_start_date__isnull=True, closed_date__range=span)
        ).order_by(),
        frame.scope,
        episodes_in,
    )
    # (provider, care level, municipality, bridged, treatment started, close reason)
    counts: Counter[tuple] = Counter()
    unlinked = (
        episodes.filter(participant_id__isnull=True)
        .values(
            "provider__agb_code",
            "care_level",
            "municipality__cbs_code",
            "close_reason",
            started=ExpressionWrapper(
                Q(treatment_start_date__isnull=False), output_field=BooleanField()
            ),
        )
        .annotate(n=Count("pk"))
    )
    for row in unlinked:
        counts[
            (
                row["provider__agb_code"],
                row["care_level"],
                row["municipality__cbs_code"],
                False,
                row["started"],
                row["close_reason"],
            )
        ] += row["n"]
    linked = (
        episodes.filter(participant_id__isnull=False)
        .annotate(**_bridging("participant_id"))
        .values(
            "provider__agb_code",
            "care_level",
            "municipality__cbs_code",
            "treatment_start_date",
            "closed_date",
            "close_reason",
            *FIRSTS,
            "ongoing",
            "last_ended",
        )
    )
    zone = timezone.get_current_timezone()
    for row in linked:
        ended: dt.date = row["treatment_start_date"] or row["closed_date"]
        counts[
            (
                row["provider__agb_code"],
                row["care_level"],
                row["municipality__cbs_code"],
                effect.is_bridged(_span(row, zone), ended),
                row["treatment_start_date"] is not None,
                row["close_reason"],
            )
        ] += 1
    return [
        EndedEpisodeRow(
            provider=provider,
            care_level=care_level,
            municipality=municipality,
            bridged=bridged,
            treatment_started=started,
            close_reason=reason,
            count=count,
        )
        for (provider, care_level, municipality, bridged, started, reason), count in counts.items()
    ]


ENDED_EPISODES = DbSource(fetch=_ended_episodes)


# --- Participant-days in bridging care and crisis signals -------------------------------


def _participants(frame: Frame) -> QuerySet:
    return within(Participant.objects.order_by(), frame.scope, participants_in)


# Per participant, what ``_bridging`` reads by subqueries, as three grouped passes over
# contacts, enrolments and referrals joined by hash: at scale (hundreds of thousands of
# participants) five index probes per participant cost far more than one scan of each
# table. Table names and statuses come from the models, never from input.
_EXPOSURE_SQL = """
SELECT p.id, m.cbs_code, c.first_contact, g.first_enrolment, r.first_referral_contact,
       COALESCE(r.any_open, true) AS ongoing, r.last_ended
FROM {participant} p
LEFT JOIN {organisation} m ON m.id = p.municipality_id
LEFT JOIN (SELECT participant_id, MIN(date) AS first_contact FROM {contact}
           WHERE withdrawn_at IS NULL GROUP BY participant_id) c ON c.participant_id = p.id
LEFT JOIN (SELECT participant_id, MIN(start_date) AS first_enrolment FROM {enrolment}
           WHERE status <> %s GROUP BY participant_id) g ON g.participant_id = p.id
LEFT JOIN (SELECT participant_id, MIN(first_contact_date) AS first_referral_contact,
                  bool_or(status = ANY(%s)) AS any_open,
                  MAX(status_changed_at) FILTER (WHERE status = ANY(%s)) AS last_ended
           FROM {referral} GROUP BY participant_id) r ON r.participant_id = p.id
WHERE p.id IN ({scope})
  AND (c.first_contact <= %s OR g.first_enrolment <= %s OR r.first_referral_contact <= %s)
"""


def _exposure_rows(frame: Frame) -> list[dict[str, Any]]:
    """The participants of the scope whose bridging care may have started by the
    period's end, with ``_bridging``'s fields (one statement). The grouped form is
    PostgreSQL's (``bool_or``, ``FILTER``); elsewhere the same fields by subqueries."""
    from voorzorg.accounts.models import Organisation

    last = frame.period.end
    if connection.vendor != "postgresql":
        started = Q(first_contact__lte=last) | Q(first_enrolment__lte=last)
        return list(
            _participants(frame)
            .annotate(**_bridging("pk"))
            .filter(started | Q(first_referral_contact__lte=last))
            .values("pk", "municipality__cbs_code", *FIRSTS, "ongoing", "last_ended")
        )
    scope_sql, scope_params = _participants(frame).values("pk").query.sql_with_params()
    sql = _EXPOSURE_SQL.format(
        participant=Participant._meta.db_table,
        organisation=Organisation._meta.db_table,
        contact=Contact._meta.db_table,
        enrolment=Enrolment._meta.db_table,
        referral=Referral._meta.db_table,
        scope=scope_sql,
    )
    params = [
        str(EnrolmentStatus.WAITING),
        sorted(str(status) for status in OPEN_STATUSES),
        sorted(str(status) for status in ENDED_REFERRAL_STATUSES),
        *scope_params,
        last,
        last,
        last,
    ]
    names = ("pk", "municipality__cbs_code", *FIRSTS, "ongoing", "last_ended")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _exposure(frame: Frame) -> list[ExposureRow]:
    """One row per participant of the scope in bridging care on a day of the period (two
    queries: the participants with their bridging care, the period's crisis signals)."""
    start, end = frame.moments
    signals = within(
        Signal.objects.filter(
            severity=SignalSeverity.CRISIS, raised_at__gte=start, raised_at__lt=end
        ).order_by(),
        frame.scope,
        of_participants_in,
    ).values_list("participant_id", "raised_at")
    raised: dict[int, list[dt.date]] = {}
    for participant_id, moment in signals:
        raised.setdefault(participant_id, []).append(timezone.localdate(moment))
    found = []
    zone = timezone.get_current_timezone()
    for row in _exposure_rows(frame):
        span = _span(row, zone)
        days = span.days_in(frame.period) if span else 0
        if days:
            found.append(
                ExposureRow(
                    row["pk"],
                    row["municipality__cbs_code"],
                    days,
                    effect.crisis_signals_in(span, raised.get(row["pk"], ()), frame.period),
                )
            )
    return found


BRIDGING_EXPOSURE = DbSource(fetch=_exposure)


# --- Paired Positieve Gezondheid measurements ------------------------------------------


def _paired(frame: Frame) -> list[PairedChangeRow]:
    """One row per participant of the scope whose latest standing measurement (as known
    at the peildatum) is in the period and pairs with the first (one query: the
    participants with the day and scores of both)."""
    known = PositiveHealthMeasurement.objects.filter(
        participant_id=OuterRef("pk"), measured_on__lte=frame.period.peildatum
    )
    ends = {
        "first": known.order_by("measured_on", "id"),
        "latest": known.order_by("-measured_on", "-id"),
    }
    measured = {
        f"{end}_{name}": Subquery(ordered.values(name)[:1])
        for end, ordered in ends.items()
        for name in ("measured_on", *effect.SCORES)
    }
    participants = (
        _participants(frame)
        .annotate(**_firsts("pk"), **measured)
        .filter(latest_measured_on__range=frame.span)
        .values("pk", "municipality__cbs_code", *FIRSTS, *measured)
    )
    found = []
    for row in participants:
        start = effect.bridging_start(*(row[name] for name in FIRSTS))
        if start is not None and effect.is_paired(
            start, row["first_measured_on"], row["latest_measured_on"], frame.period
        ):
            found.append(
                PairedChangeRow(
                    row["pk"],
                    row["municipality__cbs_code"],
                    effect.changes(
                        [row[f"first_{name}"] for name in effect.SCORES],
                        [row[f"latest_{name}"] for name in effect.SCORES],
                    ),
                )
            )
    return found


PAIRED_MEASUREMENTS = DbSource(fetch=_paired)
