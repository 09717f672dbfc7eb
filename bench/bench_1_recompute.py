"""Bench 1: recompute all indicators of one quarter over the scale data, against the limit.

The app: ``indicators_compute_and_store`` for the quarter (every indicator, every
breakdown, suppression, the stored rows replaced in one transaction), as the Celery task
and ``manage.py compute_indicators`` run it. Since figures are stored per region too, that
is all data plus every region's scope (the demo world's two regions), while the reference
below computes all data only.

The limit: ``REFERENCE_SQL`` below, one hand-written statement that computes the same
Treeknorm aggregates of the episodes (realised waits with counts within the norm, sums
and medians; open waits over the norm; age buckets; in beeld; outflow) for all five
breakdowns in a single pass over the episode table (GROUPING SETS). It stores nothing
and leaves out the small non-episode indicators, so it is a lower bound for the app.

Each is timed best of BENCH_RUNS (default 3) after one warm-up, so both read from a
warm buffer cache. The script also checks that the stored figures equal the
reference's, so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from decimal import ROUND_HALF_UP, Decimal

from _common import best_of, machine, setup_django, verdict

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TARGET_RATIO = 1.5
TARGET_SECONDS = 10.0

REFERENCE_SQL = """
WITH norms AS (
    SELECT DISTINCT ON (rm.organisation_id)
           rm.organisation_id AS municipality_id, n.aanmeld_days, n.behandel_days, n.total_days
    FROM monitoring_norm n
    JOIN accounts_region_municipalities rm ON rm.region_id = n.region_id
    ORDER BY rm.organisation_id, n.region_id
), ep AS (
    SELECT e.care_level AS care_level,
           p.agb_code AS provider,
           COALESCE(NULLIF(m.cbs_code, ''), 'onbekend') AS municipality,
           COALESCE(NULLIF(e.diagnosis_group, ''), 'onbekend') AS diagnosis_group,
           e.registration_date AS reg, e.intake_date AS intake,
           e.treatment_start_date AS start, e.closed_date AS closed, e.close_reason,
           COALESCE(n.aanmeld_days, 28) AS n_a,
           COALESCE(n.behandel_days, 70) AS n_b,
           COALESCE(n.total_days, 98) AS n_t,
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
                          WHERE g.participant_id = e.participant_id AND g.status <> 'waiting'
                            AND g.start_date <= %(p)s
                            AND (g.end_date IS NULL OR g.end_date > %(p)s))
               OR EXISTS (SELECT 1 FROM groups_contact c
                          WHERE c.participant_id = e.participant_id
                            AND c.date BETWEEN %(p30)s AND %(p)s)
           ) AS beeld
    FROM referrals_waitingepisode e
    JOIN accounts_organisation p ON p.id = e.provider_id
    LEFT JOIN accounts_organisation m ON m.id = e.municipality_id
    LEFT JOIN norms n ON n.municipality_id = e.municipality_id
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
       count(*) FILTER (WHERE f_a AND intake - reg <= n_a) AS aanmeld_num,
       sum(intake - reg) FILTER (WHERE f_a) AS aanmeld_sum,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY intake - reg)
           FILTER (WHERE f_a) AS aanmeld_median,
       count(*) FILTER (WHERE f_t) AS behandel_den,
       count(*) FILTER (WHERE f_t AND start - intake <= n_b) AS behandel_num,
       sum(start - intake) FILTER (WHERE f_t) AS behandel_sum,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY start - intake)
           FILTER (WHERE f_t) AS behandel_median,
       count(*) FILTER (WHERE f_t AND start - reg <= n_t) AS total_num,
       sum(start - reg) FILTER (WHERE f_t) AS total_sum,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY start - reg) FILTER (WHERE f_t) AS total_median,
       count(*) FILTER (WHERE f_wi) AS for_intake_den,
       count(*) FILTER (WHERE f_wi AND %(p)s - reg > n_a) AS for_intake_num,
       count(*) FILTER (WHERE f_wt) AS for_treatment_den,
       count(*) FILTER (WHERE f_wt AND %(p)s - intake > n_b) AS for_treatment_num,
       count(*) FILTER (WHERE f_wi OR f_wt) AS open_den,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND %(p)s - reg <= 28) AS weeks_0_4,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND %(p)s - reg BETWEEN 29 AND 70) AS weeks_4_10,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND %(p)s - reg BETWEEN 71 AND 98) AS weeks_10_14,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND %(p)s - reg BETWEEN 99 AND 182) AS weeks_14_26,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND %(p)s - reg >= 183) AS weeks_26_plus,
       count(*) FILTER (WHERE (f_wi OR f_wt) AND beeld) AS in_beeld,
       count(*) FILTER (WHERE f_c) AS closed_den,
       count(*) FILTER (WHERE f_c AND close_reason = 'treatment_started') AS out_treatment_started,
       count(*) FILTER (WHERE f_c AND close_reason = 'no_longer_needed') AS out_no_longer_needed,
       count(*) FILTER (WHERE f_c AND close_reason = 'referred_elsewhere')
           AS out_referred_elsewhere,
       count(*) FILTER (WHERE f_c AND close_reason = 'dropped_out') AS out_dropped_out,
       count(*) FILTER (WHERE f_c AND close_reason = 'moved') AS out_moved,
       count(*) FILTER (WHERE f_c AND close_reason = 'deceased') AS out_deceased,
       count(*) FILTER (WHERE f_c AND close_reason = 'other') AS out_other
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


def reference(period) -> dict[tuple[str, str], dict]:
    from django.db import connection
    from django.utils import timezone

    peildatum = period.peildatum
    params = {
        "s": period.start,
        "e": period.end,
        "p": peildatum,
        "p30": peildatum - dt.timedelta(days=29),
        "after": timezone.make_aware(
            dt.datetime.combine(peildatum + dt.timedelta(days=1), dt.time())
        ),
    }
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, params)
        names = [c.name for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    found = {}
    for row in rows:
        breakdown = BREAKDOWN_OF_BITS[row["grouping_bits"]]
        group = "all" if breakdown == "total" else row[breakdown]
        found[(breakdown, group)] = row
    return found


def percent(num: int, den: int) -> Decimal | None:
    if not den:
        return None
    return (Decimal(100 * num) / Decimal(den)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def check(period, figures: dict[tuple[str, str], dict]) -> list[str]:
    """Differences between the stored rows and the reference (unsuppressed rows)."""
    from monitoring.models import IndicatorValue

    # The reference statement computes all data: compare with that scope's rows, not
    # with the regions' rows stored beside them.
    stored = {
        (v.indicator, v.breakdown, v.group): v
        for v in IndicatorValue.objects.filter(period=period.key, region=None, suppressed=False)
    }
    problems = []
    pairs = {
        "aanmeld_within_norm": ("aanmeld_num", "aanmeld_den"),
        "behandel_within_norm": ("behandel_num", "behandel_den"),
        "total_within_norm": ("total_num", "behandel_den"),
        "waiting_for_intake_over_norm": ("for_intake_num", "for_intake_den"),
        "waiting_for_treatment_over_norm": ("for_treatment_num", "for_treatment_den"),
        "open_waits_weeks_26_plus": ("weeks_26_plus", "open_den"),
        "in_bridging_care": ("in_beeld", "open_den"),
        "outflow_treatment_started": ("out_treatment_started", "closed_den"),
    }
    for (breakdown, group), row in figures.items():
        for key, (num, den) in pairs.items():
            value = stored.get((key, breakdown, group))
            if row[den] and (
                value is None
                or (value.numerator, value.denominator, value.value)
                != (row[num], row[den], percent(row[num], row[den]))
            ):
                problems.append(f"{key} {breakdown}={group}")
        median = stored.get(("total_wait_median_days", breakdown, group))
        if row["behandel_den"] and (
            median is None
            or median.value
            != Decimal(str(row["total_median"])).quantize(Decimal("0.1"), ROUND_HALF_UP)
        ):
            problems.append(f"total_wait_median_days {breakdown}={group}")
    return problems


def main() -> int:
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from monitoring.periods import Period, PeriodKind
    from monitoring.services import indicators_compute_and_store
    from referrals.models import WaitingEpisode

    # The last complete quarter: a stable peildatum, and what the nightly run recomputes.
    period = Period.containing(timezone.localdate(), PeriodKind.QUARTER).previous()
    episodes = WaitingEpisode.objects.count()
    print(f"bench 1: recompute {period.key} over {episodes} episodes ({connection.vendor})")
    print(f"  machine: {machine()}")

    app_best, app_times = best_of(RUNS + 1, lambda: indicators_compute_and_store(period=period))
    sql_best, sql_times = best_of(RUNS + 1, lambda: reference(period))
    rows = indicators_compute_and_store(period=period)
    problems = check(period, reference(period))

    print(
        f"  app  indicators_compute_and_store: {', '.join(f'{t:.2f}' for t in app_times)} s"
        f" -> best {app_best:.2f} s ({rows} rows stored)"
    )
    print(
        f"  sql  one hand-written statement:   {', '.join(f'{t:.2f}' for t in sql_times)} s"
        f" -> best {sql_best:.2f} s"
    )
    print(f"  figures equal to the reference: {'yes' if not problems else problems[:5]}")
    ratio = app_best / sql_best
    ok = ratio <= TARGET_RATIO and app_best <= TARGET_SECONDS and not problems
    print(
        f"TIME recompute = {app_best:.2f} s (target <= {TARGET_SECONDS:.0f} s) "
        f"{verdict(app_best <= TARGET_SECONDS)}"
    )
    print(
        f"RATIO recompute/sql = {ratio:.2f} (target <= {TARGET_RATIO}) "
        f"{verdict(ratio <= TARGET_RATIO and not problems)}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
