"""The waiting-time forecast of one provider x care level: the pure model.

For a person who registers on day D, how long until her intake, and until her treatment
starts? The model reads the queue, not the recent waits (which lag: they are the waits
of people who registered weeks or months ago):

1. **The queue ahead of her** on D: the people registered on or before D who have had no
   intake and not left by D (the intake queue), and those who have had their intake but
   no treatment start (the treatment queue).
2. **The pace at which it moves**: intakes and treatment starts per day over the last
   ``RATE_WINDOW_DAYS`` days up to D, and the share of the people leaving each queue who
   left without being served (no longer needed, went elsewhere, ...): they free a place
   without using one.
3. **The point forecast**, first come first served:
   intake ≈ (intake queue x share that will be served + 1) / intake pace;
   treatment ≈ the later of her intake and the moment the treatment pace has worked
   through the treatment queue and everyone ahead of her in the intake queue, plus at
   least the shortest usual gap between intake and treatment (the 10th percentile of the
   recent gaps).
4. **Calibration by survival analysis.** Real lists are not strictly first come first
   served (urgent people go first, a clinician who fits). So the same point forecast is
   made for every day of the ``CALIBRATION_DAYS`` before D, and compared with what
   happened to the people who registered on those days, as far as it was known on D: a
   person still waiting on D counts as "at least this long" (censored), which the
   Kaplan-Meier estimate of the ratio "real wait / point forecast" takes into account.
   People who left before being served are not counted: they have no wait to compare.
   The median and the 80th percentile of that ratio times today's point forecast are
   the forecast.

Only what was known on D is used: an intake, a treatment start or a close dated after D
has not happened yet, and episodes registered after D do not exist. Pure: no database,
no clock. ``numpy`` does the day arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

RATE_WINDOW_DAYS = 84
TREND_DAMPING = 0.5
TOTAL_BY_PIPELINE = False
TREND_HORIZON_DAYS = 56
PACE_RANGE = (0.5, 2.0)
CALIBRATION_DAYS = 365
MIN_BASIS = 20  # episodes known in the look-back
MIN_SERVED_IN_WINDOW = 5  # intakes / treatment starts in the rate window
MIN_CALIBRATION_WAITS = 10  # realised waits (not censored) in the calibration
GAP_QUANTILE = 0.1
NAIVE_WINDOW_DAYS = 91


@dataclass(frozen=True)
class EpisodeDates:
    """The four dates of one waiting episode that the forecast reads."""

    registration: dt.date
    intake: dt.date | None
    treatment_start: dt.date | None
    closed: dt.date | None


@dataclass(frozen=True)
class Forecast:
    """The forecast for one provider x care level as of one day.

    Days are whole days (rounded). ``withheld`` with a ``reason`` (a code, see
    ``WITHHELD_REASONS``) when the data are too thin; then every day field is None. The
    capacity figures (per week) and the queues describe the list on ``as_of``; they are
    there even when the forecast is withheld, where they can be counted.
    """

    as_of: dt.date
    basis: int
    withheld: bool
    reason: str = ""
    intake_p50_days: int | None = None
    intake_p80_days: int | None = None
    treatment_p50_days: int | None = None
    treatment_p80_days: int | None = None
    # The treatment stage alone (intake -> treatment start), for the capacity advice.
    behandel_p50_days: int | None = None
    behandel_p80_days: int | None = None
    queue_intake: int = 0
    queue_treatment: int = 0
    arrivals_per_week: float = 0.0
    intakes_per_week: float = 0.0
    treatments_per_week: float = 0.0
    # Ratio quantiles (real wait / point forecast): what the capacity advice scales by.
    intake_ratio_p50: float | None = None
    intake_ratio_p80: float | None = None
    behandel_ratio_p50: float | None = None
    behandel_ratio_p80: float | None = None
    intake_served_share: float = 1.0
    treatment_served_share: float = 1.0


WITHHELD_REASONS = ("few_episodes", "no_intakes", "no_treatments", "few_waits")


def _ordinal(day: dt.date | None) -> int:
    return day.toordinal() if day is not None else _NEVER


_NEVER = 10**9


class CellHistory:
    """The episodes of one provider x care level, as day-indexed arrays.

    Built once from everything in the database; ``forecast(as_of)`` reads only what was
    known on ``as_of``. Counting events dated on or before a day d <= as_of gives the same
    numbers whatever happened later, so the daily series serve every as-of date.
    """

    def __init__(self, episodes: Iterable[EpisodeDates]) -> None:
        rows = list(episodes)
        self.size = len(rows)
        if not rows:
            self.origin = 0
            self.registration = np.zeros(0, dtype=np.int64)
            return
        reg = np.array([e.registration.toordinal() for e in rows], dtype=np.int64)
        intake = np.array([_ordinal(e.intake) for e in rows], dtype=np.int64)
        treat = np.array([_ordinal(e.treatment_start) for e in rows], dtype=np.int64)
        closed = np.array([_ordinal(e.closed) for e in rows], dtype=np.int64)
        # Treatment without intake does not pass the import; read it as intake that day.
        intake = np.minimum(intake, treat)
        # Left without intake: closed, no intake on or before the close.
        left_before_intake = np.where((closed < _NEVER) & (intake > closed), closed, _NEVER)
        # Left after intake without treatment.
        left_before_treatment = np.where(
            (closed < _NEVER) & (intake <= closed) & (treat > closed), closed, _NEVER
        )
        self.origin = int(reg.min())
        last = max(
            int(reg.max()),
            *(int(a[a < _NEVER].max()) for a in (intake, treat, closed) if (a < _NEVER).any()),
        )
        self.length = last - self.origin + 1
        self.registration, self.intake, self.treatment = reg, intake, treat
        self.closed = closed
        self.left_before_intake = left_before_intake
        self.left_before_treatment = left_before_treatment
        # Daily cumulative counts, index = ordinal - origin.
        self.cum_arrivals = self._cumulative(reg)
        self.cum_intakes = self._cumulative(intake)
        self.cum_treatments = self._cumulative(treat)
        self.cum_left_intake = self._cumulative(left_before_intake)
        self.cum_left_treatment = self._cumulative(left_before_treatment)
        self._points: tuple[np.ndarray, ...] | None = None

    def _cumulative(self, ordinals: np.ndarray) -> np.ndarray:
        days = ordinals[ordinals < _NEVER] - self.origin
        return np.cumsum(np.bincount(days, minlength=self.length)[: self.length])

    def _at(self, cumulative: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Cumulative count up to and including day ``index`` (0 before the origin)."""
        clipped = np.clip(index, -1, self.length - 1)
        return np.where(clipped >= 0, cumulative[np.maximum(clipped, 0)], 0)

    def _pace(self, cumulative: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pace per day on each day and its trend per day (NaN: nothing served).

        The pace over the last ``RATE_WINDOW_DAYS`` days; the trend compares its later
        half with its earlier half, damped by ``TREND_DAMPING``. The pace on the day
        itself is extrapolated from the later half's middle.
        """
        at = self._at
        half = RATE_WINDOW_DAYS // 2
        recent = at(cumulative, days) - at(cumulative, days - half)
        older = at(cumulative, days - half) - at(cumulative, days - 2 * half)
        whole = recent + older
        span = np.clip(days + 1, 1, 2 * half).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(whole > 0, whole / span, np.nan)
            full = days + 1 >= 2 * half
            slope = np.where(full, (recent - older) / half / half, 0.0) * TREND_DAMPING
            now = np.where(full, recent / half + slope * half / 2, mean)
        low, high = PACE_RANGE
        now = np.clip(now, low * mean, high * mean)
        return now, slope

    def point_forecasts(self, days: np.ndarray) -> tuple[np.ndarray, ...]:
        """(intake, treatment-stage, total) point forecasts in days for each day index.

        NaN where a pace is zero. Vectorised over days; uses only events on or before
        each day.
        """
        at = self._at
        before = days - RATE_WINDOW_DAYS
        arrivals = at(self.cum_arrivals, days)
        intakes = at(self.cum_intakes, days)
        treatments = at(self.cum_treatments, days)
        left_i = at(self.cum_left_intake, days)
        left_t = at(self.cum_left_treatment, days)
        queue_i = arrivals - intakes - left_i
        queue_t = intakes - treatments - left_t
        d_intakes = intakes - at(self.cum_intakes, before)
        d_treat = treatments - at(self.cum_treatments, before)
        d_left_i = left_i - at(self.cum_left_intake, before)
        d_left_t = left_t - at(self.cum_left_treatment, before)
        pace_i, slope_i = self._pace(self.cum_intakes, days)
        pace_t, slope_t = self._pace(self.cum_treatments, days)
        with np.errstate(divide="ignore", invalid="ignore"):
            served_i = np.where(d_intakes + d_left_i > 0, d_intakes / (d_intakes + d_left_i), 1)
            served_t = np.where(d_treat + d_left_t > 0, d_treat / (d_treat + d_left_t), 1)
            intake = _time_to_serve(queue_i * served_i + 1, pace_i, slope_i)
            ahead = queue_t * served_t + queue_i * served_i * served_t
            behandel = _time_to_serve(queue_t * served_t + 1, pace_t, slope_t)
            total_by_pace = (
                _time_to_serve(ahead + 1, pace_t, slope_t)
                if TOTAL_BY_PIPELINE
                else intake + behandel
            )
        return intake, behandel, total_by_pace, queue_i, queue_t, served_i, served_t

    def forecast(self, as_of: dt.date) -> Forecast:
        """The forecast for someone registering on ``as_of``."""
        d = as_of.toordinal()
        known = self.registration <= d
        recent = known & (self.registration > d - CALIBRATION_DAYS)
        # The look-back's episodes plus any older one still waiting on D.
        still_waiting = known & (self.treatment > d) & ~(self._closed_by(d))
        basis = int((recent | still_waiting).sum())
        if not self.size or not known.any():
            return Forecast(as_of=as_of, basis=0, withheld=True, reason="few_episodes")
        index = d - self.origin
        today = np.array([index])
        intake_pf, behandel_pf, total_pf, queue_i, queue_t, served_i, served_t = (
            v[0] for v in self.point_forecasts(today)
        )
        window = min(RATE_WINDOW_DAYS, index + 1)
        before = np.array([index - RATE_WINDOW_DAYS])
        per_week = 7 / window
        arrivals = int(
            self._at(self.cum_arrivals, today)[0] - self._at(self.cum_arrivals, before)[0]
        )
        intakes = int(self._at(self.cum_intakes, today)[0] - self._at(self.cum_intakes, before)[0])
        treatments = int(
            self._at(self.cum_treatments, today)[0] - self._at(self.cum_treatments, before)[0]
        )
        shared = {
            "as_of": as_of,
            "basis": basis,
            "queue_intake": int(queue_i),
            "queue_treatment": int(queue_t),
            "arrivals_per_week": round(arrivals * per_week, 1),
            "intakes_per_week": round(intakes * per_week, 1),
            "treatments_per_week": round(treatments * per_week, 1),
            "intake_served_share": round(float(served_i), 3),
            "treatment_served_share": round(float(served_t), 3),
        }
        if basis < MIN_BASIS:
            return Forecast(withheld=True, reason="few_episodes", **shared)
        if intakes < MIN_SERVED_IN_WINDOW:
            return Forecast(withheld=True, reason="no_intakes", **shared)
        if treatments < MIN_SERVED_IN_WINDOW:
            return Forecast(withheld=True, reason="no_treatments", **shared)
        ratios = self._calibration(d)
        if ratios is None:
            return Forecast(withheld=True, reason="few_waits", **shared)
        (ri50, ri80), (rb50, rb80), (rt50, rt80), gap = ratios
        total_pf = max(float(total_pf), float(intake_pf) + gap)
        intake50, intake80 = intake_pf * ri50, intake_pf * ri80
        treat50 = max(total_pf * rt50, intake50)
        treat80 = max(total_pf * rt80, intake80)
        return Forecast(
            withheld=False,
            intake_p50_days=_days(intake50),
            intake_p80_days=_days(intake80),
            treatment_p50_days=_days(treat50),
            treatment_p80_days=_days(treat80),
            behandel_p50_days=_days(behandel_pf * rb50),
            behandel_p80_days=_days(behandel_pf * rb80),
            intake_ratio_p50=round(ri50, 4),
            intake_ratio_p80=round(ri80, 4),
            behandel_ratio_p50=round(rb50, 4),
            behandel_ratio_p80=round(rb80, 4),
            **shared,
        )

    def _closed_by(self, d: int) -> np.ndarray:
        return (self.left_before_intake <= d) | (self.left_before_treatment <= d)

    def _calibration(
        self, d: int
    ) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float], float] | None:
        """Ratio quantiles (intake, treatment stage, total) and the shortest usual gap."""
        reg = self.registration
        cohort = (reg <= d) & (reg > d - CALIBRATION_DAYS)
        if not cohort.any():
            return None
        if self._points is None:
            self._points = self.point_forecasts(np.arange(self.length))
        intake_pf, behandel_pf, total_by_pace = self._points[:3]
        reg_c = reg[cohort]
        idx = reg_c - self.origin
        intake_c = self.intake[cohort]
        treat_c = self.treatment[cohort]
        left_i = self.left_before_intake[cohort] <= d
        left_t = self.left_before_treatment[cohort] <= d
        # The gap floor: intake -> treatment of those who started treatment in the window.
        started = (self.treatment <= d) & (self.treatment > d - RATE_WINDOW_DAYS)
        gaps = (self.treatment - self.intake)[started]
        gap = float(np.quantile(gaps, GAP_QUANTILE)) if gaps.size else 0.0

        # Intake stage.
        has_intake = intake_c <= d
        wait_i = np.where(has_intake, intake_c - reg_c, d - reg_c).astype(float)
        ok = ~left_i & np.isfinite(intake_pf[idx]) & (intake_pf[idx] > 0)
        ri = _km_quantiles(wait_i[ok] / intake_pf[idx][ok], has_intake[ok])
        # Total: registration -> treatment start.
        has_treat = treat_c <= d
        total_pf = np.fmax(total_by_pace[idx], intake_pf[idx] + gap)
        wait_t = np.where(has_treat, treat_c - reg_c, d - reg_c).astype(float)
        ok_t = ~left_i & ~left_t & np.isfinite(total_pf) & (total_pf > 0)
        rt = _km_quantiles(wait_t[ok_t] / total_pf[ok_t], has_treat[ok_t])
        # Treatment stage alone, for those with an intake: intake -> treatment start,
        # against the point forecast on their intake day.
        all_intake = self.intake
        stage = (all_intake <= d) & (all_intake > d - CALIBRATION_DAYS)
        stage &= ~(self.left_before_treatment <= d)
        intake_idx = all_intake[stage] - self.origin
        b_pf = behandel_pf[intake_idx]
        b_has = self.treatment[stage] <= d
        b_wait = np.where(b_has, self.treatment[stage] - all_intake[stage], d - all_intake[stage])
        ok_b = np.isfinite(b_pf) & (b_pf > 0)
        rb = _km_quantiles(b_wait[ok_b].astype(float) / b_pf[ok_b], b_has[ok_b])
        if ri is None or rt is None or rb is None:
            return None
        return ri, rb, rt, gap


def _time_to_serve(ahead: np.ndarray, pace: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Days until ``ahead`` people are served at ``pace`` per day changing by ``slope``.

    The pace follows its trend for ``TREND_HORIZON_DAYS`` (kept within ``PACE_RANGE`` of
    today's) and stays constant after that. NaN where the pace is NaN.
    """
    low, high = PACE_RANGE
    horizon = TREND_HORIZON_DAYS
    end_pace = np.clip(pace + slope * horizon, low * pace, high * pace)
    slope = (end_pace - pace) / horizon
    in_trend = pace * horizon + slope * horizon**2 / 2
    flat = np.abs(slope) < 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(np.maximum(pace**2 + 2 * slope * ahead, 0))
        quadratic = np.where(flat, ahead / pace, (root - pace) / slope)
        after = horizon + (ahead - in_trend) / end_pace
    return np.where(ahead <= in_trend, quadratic, after)


def _days(value: float) -> int:
    return max(0, round(float(value)))


def _km_quantiles(
    ratios: np.ndarray, observed: np.ndarray, quantiles: Sequence[float] = (0.5, 0.8)
) -> tuple[float, float] | None:
    """Kaplan-Meier quantiles of right-censored values (``observed`` False = censored).

    None with fewer than ``MIN_CALIBRATION_WAITS`` observed values, or when the estimate
    never reaches the highest quantile (too much still unknown).
    """
    if int(observed.sum()) < MIN_CALIBRATION_WAITS:
        return None
    order = np.lexsort((~observed, ratios))  # at a tie, events before censorings
    values, events = ratios[order], observed[order]
    at_risk = len(values) - np.arange(len(values))
    factors = np.where(events, 1 - 1 / at_risk, 1.0)
    survival = np.cumprod(factors)
    found = []
    for q in quantiles:
        reached = np.nonzero((1 - survival >= q - 1e-12) & events)[0]
        if not reached.size:
            return None
        found.append(float(values[reached[0]]))
    return found[0], found[1]


def naive_median(waits: Iterable[int]) -> float | None:
    """The median of waits (interpolated), or None without any."""
    ordered = sorted(waits)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
