"""Bench 1's limit: the Treeknorm figures of one period in the best single statement.

``REFERENCE_SQL`` is what one would write by hand to get the episode figures of the
all-data scope (docs/indicators.md: realised waits with counts within the norm, sums
and medians; open waits over the norm; age buckets; in beeld; outflow) for all five
breakdowns: one pass over the episode table, each row's waits and conditions computed
once (the ``ep`` rows), then one ``GROUPING SETS`` aggregate with ``FILTER`` clauses
over those columns. It groups by the episode's own ids (no join to the organisations;
the codes are looked up afterwards), reads the norms as a ``CASE`` over the
municipality ids (from the small norm tables, "first region by id"), and lets
PostgreSQL hash the three "in beeld" lookups once instead of probing them per row.

``check`` compares the figures the app stored with the ones this statement gives,
through the same rounding helpers (``monitoring.indicators.results``), so a fast wrong
answer cannot pass; ``tests/monitoring/test_bench_reference.py`` holds the two to that on
small data. PostgreSQL only, like the one-pass path of the app.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

CLOSE_REASONS = (
    "treatment_started",
    "no_longer_needed",
    "referred_elsewhere",
    "dropped_out",
    "moved",
    "deceased",
    "other",
)

REFERENCE_SQL = """
WITH ep AS (
    SELECT e.care_level, e.provider_id AS provider, e.municipality_id AS municipality,
           e.diagnosis_group,
           e.intake_date - e.registration_date AS d_a,
           e.treatment_start_date - e.intake_date AS d_b,
           e.treatment_start_date - e.registration_date AS d_t,
           %(p)s - e.registration_date AS age_r,
           %(p)s - e.intake_date AS age_i,
           {norm_a} AS n_a, {norm_b} AS n_b,
           {norm_t} AS n_t,
           e.close_reason AS reason,
           e.intake_date BETWEEN %(s)s AND %(e)s AS f_a,
           e.treatment_start_date BETWEEN %(s)s AND %(e)s AS f_t,
           e.closed_date BETWEEN %(s)s AND %(e)s AS f_c,
           e.registration_date <= %(p)s
             AND (e.intake_date IS NULL OR e.intake_date > %(p)s)
             AND (e.closed_date IS NULL OR e.closed_date > %(p)s) AS f_wi,
           e.intake_date <= %(p)s
             AND (e.treatment_start_date IS NULL OR e.treatment_start_date > %(p)s)
             AND (e.closed_date IS NULL OR e.closed_date > %(p)s) AS f_wt,
           e.participant_id IS NOT NULL AND (
               EXISTS (SELECT 1 FROM referrals_referral r
                       WHERE r.participant_id = e.participant_id
                         AND r.first_contact_date <= %(p)s
                         AND (r.status = 'in_bridging'
                              OR (r.status IN ('closed', 'handed_over', 'withdrawn')
                                  AND r.status_changed_at >= %(after)s)))
               OR EXISTS (SELECT 1 FROM groups_enrolment g
                          WHERE g.participant_id = e.participant_id
                            AND g.status <> 'waiting' AND g.start_date <= %(p)s
                            AND (g.end_date IS NULL OR g.end_date > %(p)s))
               OR EXISTS (SELECT 1 FROM groups_contact c
                          WHERE c.participant_id = e.participant_id
                            AND c.withdrawn_at IS NULL
                            AND c.date BETWEEN %(p30)s AND %(p)s)
           ) AS beeld
    FROM referrals_waitingepisode e
    WHERE e.intake_date BETWEEN %(s)s AND %(e)s
       OR e.treatment_start_date BETWEEN %(s)s AND %(e)s
       OR e.closed_date BETWEEN %(s)s AND %(e)s
       OR (e.registration_date <= %(p)s
           AND (e.closed_date IS NULL OR e.closed_date > %(p)s)
           AND (e.intake_date IS NULL OR e.intake_date > %(p)s
                OR e.treatment_start_date IS NULL OR e.treatment_start_date > %(p)s))
)
SELECT GROUPING(care_level, provider, municipality, diagnosis_group) AS grouping_bits,
       care_level, provider, municipality, diagnosis_group,
       count(*) FILTER (WHERE f_a) AS aanmeld_den,
       count(*) FILTER (WHERE f_a AND d_a <= n_a) AS aanmeld_num,
       sum(d_a) FILTER (WHERE f_a) AS aanmeld_sum,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d_a) FILTER (WHERE f_a) AS aanmeld_median,
       count(*) FILTER (WHERE f_t) AS behandel_den,
       count(*) FILTER (WHERE f_t AND d_b <= n_b) AS behandel_num,
       sum(d_b) FILTER (WHERE f_t) AS behandel_sum,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d_b) FILTER (WHERE f_t) AS behandel_median,
       count(*) FILTER (WHERE f_t AND d_t <= n_t) AS total_num,
       sum(d_t) FILTER (WHERE f_t) AS total_sum,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d_t) FILTER (WHERE f_t) AS total_median,
       count(*) FILTER (WHERE f_wi) AS for_intake_den,
       count(*) FILTER (WHERE f_wi AND age_r > n_a) AS for_intake_num,
       count(*) FILTER (WHERE f_wt) AS for_treatment_den,
       count(*) FILTER (WHERE f_wt AND age_i > n_b) AS for_treatment_num,
       count(*) FILTER (WHERE f_wi OR f_wt) AS open_den,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND age_r <= 28) AS weeks_0_4,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND age_r BETWEEN 29 AND 70) AS weeks_4_10,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND age_r BETWEEN 71 AND 98) AS weeks_10_14,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND age_r BETWEEN 99 AND 182) AS weeks_14_26,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND age_r >= 183) AS weeks_26_plus,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND beeld) AS in_beeld,
       count(*) FILTER (WHERE f_c) AS closed_den,
       {outflow}
FROM ep
GROUP BY GROUPING SETS ((), (care_level), (provider), (municipality), (diagnosis_group))
"""

BREAKDOWN_OF_BITS = {
    15: "total",
    7: "care_level",
    11: "provider",
    13: "municipality",
    14: "diagnosis_group",
}

# The stored indicator -> (numerator column, denominator column) of a percentage.
PERCENTAGES = {
    "aanmeld_within_norm": ("aanmeld_num", "aanmeld_den"),
    "behandel_within_norm": ("behandel_num", "behandel_den"),
    "total_within_norm": ("total_num", "behandel_den"),
    "waiting_for_intake_over_norm": ("for_intake_num", "for_intake_den"),
    "waiting_for_treatment_over_norm": ("for_treatment_num", "for_treatment_den"),
    "open_waits_weeks_0_4": ("weeks_0_4", "open_den"),
    "open_waits_weeks_4_10": ("weeks_4_10", "open_den"),
    "open_waits_weeks_10_14": ("weeks_10_14", "open_den"),
    "open_waits_weeks_14_26": ("weeks_14_26", "open_den"),
    "open_waits_weeks_26_plus": ("weeks_26_plus", "open_den"),
    "in_bridging_care": ("in_beeld", "open_den"),
    **{f"outflow_{reason}": (f"out_{reason}", "closed_den") for reason in CLOSE_REASONS},
}
# The stored indicator -> (sum or median column, denominator column).
MEANS = {
    "aanmeld_wait_mean_days": ("aanmeld_sum", "aanmeld_den"),
    "behandel_wait_mean_days": ("behandel_sum", "behandel_den"),
    "total_wait_mean_days": ("total_sum", "behandel_den"),
}
MEDIANS = {
    "aanmeld_wait_median_days": ("aanmeld_median", "aanmeld_den"),
    "behandel_wait_median_days": ("behandel_median", "behandel_den"),
    "total_wait_median_days": ("total_median", "behandel_den"),
}


def _norm_case(stage: str, norms: dict[int, Any]) -> str:
    """The all-data norm of a stage per municipality id, as SQL (ids are integers)."""
    from voorzorg.core.treeknorm import DEFAULT_NORMS

    default = DEFAULT_NORMS.for_stage(stage)
    by_days: dict[int, list[int]] = {}
    for municipality_id, norm in sorted(norms.items()):
        days = norm.for_stage(stage)
        if days != default:
            by_days.setdefault(days, []).append(int(municipality_id))
    if not by_days:
        return str(int(default))
    whens = " ".join(
        f"WHEN e.municipality_id IN ({', '.join(map(str, ids))}) THEN {int(days)}"
        for days, ids in sorted(by_days.items())
    )
    return f"CASE {whens} ELSE {int(default)} END"


def reference_sql() -> str:
    """The statement with this database's norms written in."""
    from voorzorg.accounts.norms import norms_by_municipality

    norms = norms_by_municipality()
    outflow = ",\n       ".join(
        f"count(*) FILTER (WHERE f_c AND reason = '{reason}') AS out_{reason}"
        for reason in CLOSE_REASONS
    )
    return REFERENCE_SQL.format(
        norm_a=_norm_case("aanmeld", norms),
        norm_b=_norm_case("behandel", norms),
        norm_t=_norm_case("total", norms),
        outflow=outflow,
    )


def parameters(period: Any) -> dict[str, Any]:
    from django.utils import timezone

    peildatum = period.peildatum
    return {
        "s": period.start,
        "e": period.end,
        "p": peildatum,
        "p30": peildatum - dt.timedelta(days=29),
        "after": timezone.make_aware(
            dt.datetime.combine(peildatum + dt.timedelta(days=1), dt.time())
        ),
    }


def run(period: Any, sql: str | None = None) -> list[dict[str, Any]]:
    """The statement's rows for ``period`` (the all-data scope), as dicts."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql or reference_sql(), parameters(period))
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def figures(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The rows by (breakdown, group code), the ids turned into the app's codes. A code
    that two ids share (two municipalities without a CBS code) cannot be merged here
    (medians do not add up): such groups are left out of the comparison."""
    from voorzorg.accounts.models import Organisation

    codes = dict(Organisation.objects.values_list("pk", "agb_code"))
    cbs = dict(Organisation.objects.values_list("pk", "cbs_code"))
    keyed = [
        ((BREAKDOWN_OF_BITS[row["grouping_bits"]], _group_of(row, codes, cbs)), row) for row in rows
    ]
    shared = Counter(key for key, _row in keyed)
    return {key: row for key, row in keyed if shared[key] == 1}


def _group_of(row: dict[str, Any], codes: dict, cbs: dict) -> str:
    breakdown = BREAKDOWN_OF_BITS[row["grouping_bits"]]
    value = row.get(breakdown)
    if breakdown == "total":
        return "all"
    if breakdown == "provider":
        return codes[value]
    if breakdown == "municipality":
        return (cbs.get(value) if value is not None else None) or "onbekend"
    return value or "onbekend"


def expected(found: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple, tuple]:
    """(indicator, breakdown, group) -> (numerator, denominator, value) as the app's
    rounding helpers make them, for every group the statement found."""
    from monitoring.indicators.results import mean, median_ratio, percent

    wanted = {}
    for (breakdown, group), row in found.items():
        for key, (num, den) in PERCENTAGES.items():
            ratio = percent(row[num], row[den])
            wanted[(key, breakdown, group)] = (ratio.numerator, ratio.denominator, ratio.value)
        for key, (total, den) in MEANS.items():
            ratio = mean(row[total] or 0, row[den])
            wanted[(key, breakdown, group)] = (ratio.numerator, ratio.denominator, ratio.value)
        for key, (middle, den) in MEDIANS.items():
            ratio = median_ratio(row[den], row[middle])
            wanted[(key, breakdown, group)] = (ratio.numerator, ratio.denominator, ratio.value)
    return wanted


def stored_rows(period: Any) -> dict[tuple[str, str, str], tuple]:
    """The app's stored all-data rows of ``period``: key -> (num, den, value, suppressed)."""
    from monitoring.models import IndicatorValue

    return {
        (v.indicator, v.breakdown, v.group): (v.numerator, v.denominator, v.value, v.suppressed)
        for v in IndicatorValue.objects.filter(period=period.key, region=None)
    }


def check(found: dict[tuple[str, str], dict[str, Any]], stored: dict[tuple, tuple]) -> list[str]:
    """Differences between the app's all-data rows (``stored_rows``) and the statement's.

    A figure with denominator 0 may be absent (a breakdown group without a measurement
    is not stored); one below MIN_CELL must be stored suppressed; every other one must
    be stored with the same numerator, denominator and value.
    """
    from django.conf import settings

    problems = []
    for key, (numerator, denominator, value) in sorted(expected(found).items()):
        row = stored.get(key)
        if not denominator:
            if row is not None and row[1]:
                problems.append(f"{key}: stored denominator {row[1]}, expected 0")
            continue
        if row is None:
            problems.append(f"{key}: missing")
        elif denominator < settings.MIN_CELL:
            if not row[3]:
                problems.append(f"{key}: not suppressed ({denominator} < MIN_CELL)")
        elif row[:3] != (numerator, denominator, value):
            problems.append(f"{key}: stored {row[:3]}, expected {(numerator, denominator, value)}")
    return problems
