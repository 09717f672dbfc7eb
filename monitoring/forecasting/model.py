"""The waiting-time forecast of one provider x care level: the pure model.

For a person who registers on day D, how long until her intake, and until her treatment
starts? The model reads the queue, not the recent waits (which lag: they are the waits
of people who registered weeks or months ago):

1. **The queue ahead of her** on D: the people registered on or before D who have had no
   intake and not left by D (the intake queue), and those who have had their intake but
   no treatment start (the treatment queue).
2. **The pace at which it moves**: intakes and treatment starts per day over the
   shortest of ``RATE_WINDOWS_DAYS`` up to D that holds ``PACE_EVENTS`` of them, and the
   share of the people leaving each queue over the last ``SHARE_WINDOW_DAYS`` who left
   without being served (no longer needed, went elsewhere, ...): they free a place
   without using one.
3. **The point forecast**, first come first served:
   intake ≈ (intake queue x share that stays + 1) / intake pace;
   treatment ≈ (everyone who stays in the treatment queue and everyone ahead of her in
   the intake queue who stays + 1) / treatment pace, but not before her own intake plus
   the shortest usual gap between intake and treatment (the 10th percentile of the
   recent gaps).
4. **Calibration by survival analysis.** Real lists are not strictly first come first
   served (urgent people go first, a clinician who fits). So the same point forecast is
   made for every day of the ``CALIBRATION_DAYS`` before D, and compared with what
   happened to the people who registered on those days, as far as it was known on D: a
   person still waiting on D waited "at least this long" (censored); one who left before
   being served had a competing event, not a long wait. The Aalen-Johansen estimate of
   "real wait / point forecast" among those served gives its median and 80th percentile;
   times today's point forecast, they are the forecast.
5. **Queue or recent waits.** Per stage, the forecasts both ways (by the queue, and by
   the recent waits' own distribution, estimated the same way) are made as of days in
   the past half year whose people are through the stage by D; the method whose medians
   came closer is used. Lists whose waits do not follow the queue get the second.

Only what was known on D is used: an intake, a treatment start or a close dated after D
has not happened yet, and episodes registered after D do not exist. Pure: no database,
no clock. ``numpy`` does the day arithmetic.

Why one module: the five steps share one history (``CellHistory``'s day arrays) and feed
each other (the calibration reruns the point forecast, the choice reruns both), so they
read best in order. What stands on its own is already elsewhere: the realised wait
(``realised.py``), the capacity advice (``capacity.py``), the back-test. When it grows,
the calibration (``_stage_fit``, ``_served_quantiles``) is the seam to split along.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .realised import COHORT_DAYS, realised_waits

RATE_WINDOWS_DAYS = (28, 56, 91, 182)
SHARE_WINDOW_DAYS = 91  # leaving shares and the intake -> treatment gap
PACE_EVENTS = 40
CALIBRATION_DAYS = 365
MIN_BASIS = 20  # episodes known in the look-back
MIN_SERVED_IN_WINDOW = 5  # intakes / treatment starts in the longest pace window
MIN_CALIBRATION_WAITS = 10  # realised waits (not censored) in the calibration
GAP_QUANTILE = 0.1
NAIVE_WINDOW_DAYS = 91
STAGES = ("intake", "treatment")
SELECTION_DATES = 12
SELECTION_STEP_DAYS = 21
MIN_SELECTION_DATES = 3


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
    # "queue": from the queue and its pace; "recent": the queue did not explain the waits
    # of the past year better than they explain themselves, so their own quantiles.
    intake_method: str = ""
    treatment_method: str = ""
    # Ratio quantiles (real wait / point forecast): what the capacity advice scales by.
    intake_ratio_p50: float | None = None
    intake_ratio_p80: float | None = None
    behandel_ratio_p50: float | None = None
    behandel_ratio_p80: float | None = None
    intake_served_share: float = 1.0
    treatment_served_share: float = 1.0


WITHHELD_REASONS = ("few_episodes", "no_intakes", "no_treatments", "few_waits")


def _ordinal(day: dt.date | None) -> int:
    return day.toordinal() if day is not None else NEVER


NEVER = 10**9  # the day number of what has not happened


class CellHistory:
    """The episodes of one provider x care level, as day-indexed arrays.

    Built once from everything in the database; ``forecast(as_of)`` reads only what was
    known on ``as_of``. Counting events dated on or before a day d <= as_of gives the same
    numbers whatever happened later, so the daily series serve every as-of date.
    """

    def __init__(self, episodes: Iterable[EpisodeDates]) -> None:
        rows = list(episodes)
        self._build(
            np.array([e.registration.toordinal() for e in rows], dtype=np.int64),
            np.array([_ordinal(e.intake) for e in rows], dtype=np.int64),
            np.array([_ordinal(e.treatment_start) for e in rows], dtype=np.int64),
            np.array([_ordinal(e.closed) for e in rows], dtype=np.int64),
        )

    @classmethod
    def from_days(
        cls, registration: np.ndarray, intake: np.ndarray, treatment: np.ndarray, closed: np.ndarray
    ) -> CellHistory:
        """From arrays of day numbers (``date.toordinal()``; ``NEVER`` where empty)."""
        history = cls.__new__(cls)
        history._build(
            *(np.asarray(a, dtype=np.int64) for a in (registration, intake, treatment, closed))
        )
        return history

    def _build(
        self, reg: np.ndarray, intake: np.ndarray, treat: np.ndarray, closed: np.ndarray
    ) -> None:
        self.size = len(reg)
        self._points: tuple[np.ndarray, ...] | None = None
        self._candidates_on: dict[int, dict[str, _Candidate] | None] = {}
        if not self.size:
            self.origin = self.length = 0
            self.registration = reg
            return
        # Treatment without intake does not pass the import; read it as intake that day.
        intake = np.minimum(intake, treat)
        # Left without intake: closed, no intake on or before the close.
        left_before_intake = np.where((closed < NEVER) & (intake > closed), closed, NEVER)
        # Left after intake without treatment.
        left_before_treatment = np.where(
            (closed < NEVER) & (intake <= closed) & (treat > closed), closed, NEVER
        )
        self.origin = int(reg.min())
        last = max(
            [int(reg.max())]
            + [int(a[a < NEVER].max()) for a in (intake, treat, closed) if (a < NEVER).any()]
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

    def _cumulative(self, ordinals: np.ndarray) -> np.ndarray:
        days = ordinals[ordinals < NEVER] - self.origin
        return np.cumsum(np.bincount(days, minlength=self.length)[: self.length])

    def _at(self, cumulative: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Cumulative count up to and including day ``index`` (0 before the origin)."""
        clipped = np.clip(index, -1, self.length - 1)
        return np.where(clipped >= 0, cumulative[np.maximum(clipped, 0)], 0)

    def _pace(self, cumulative: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Served per day up to each day (NaN: nobody served).

        Over the shortest of ``RATE_WINDOWS_DAYS`` that holds at least ``PACE_EVENTS``
        served (a busy list's pace is recent; a small list needs longer to be more than
        noise), else the longest.
        """
        pace = np.full(days.shape, np.nan)
        for window in reversed(RATE_WINDOWS_DAYS):
            served = self._at(cumulative, days) - self._at(cumulative, days - window)
            span = np.clip(days + 1, 1, window).astype(float)
            enough = (served >= PACE_EVENTS) | np.isnan(pace)
            pace = np.where(enough & (served > 0), served / span, pace)
        return pace

    def point_forecasts(self, days: np.ndarray) -> tuple[np.ndarray, ...]:
        """(intake, treatment-stage, total) point forecasts in days for each day index.

        NaN where a pace is zero. Vectorised over days; uses only events on or before
        each day.
        """
        at = self._at
        before = days - SHARE_WINDOW_DAYS
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
        pace_i = self._pace(self.cum_intakes, days)
        pace_t = self._pace(self.cum_treatments, days)
        with np.errstate(divide="ignore", invalid="ignore"):
            served_i = np.where(d_intakes + d_left_i > 0, d_intakes / (d_intakes + d_left_i), 1)
            served_t = np.where(d_treat + d_left_t > 0, d_treat / (d_treat + d_left_t), 1)
            # First come, first served: she is served once everyone ahead of her who
            # stays has been. For her treatment start that is everyone in the treatment
            # queue and everyone ahead of her in the intake queue.
            intake = (queue_i * served_i + 1) / pace_i
            behandel = (queue_t * served_t + 1) / pace_t
            ahead = queue_t * served_t + queue_i * served_i * served_t
            total_by_pace = (ahead + 1) / pace_t
        return intake, behandel, total_by_pace, queue_i, queue_t, served_i, served_t

    def forecast(self, as_of: dt.date) -> Forecast:
        """The forecast for someone registering on ``as_of``."""
        d = as_of.toordinal()
        known = self.registration <= d
        if not known.any():
            return Forecast(as_of=as_of, basis=0, withheld=True, reason="few_episodes")
        recent = known & (self.registration > d - CALIBRATION_DAYS)
        # The look-back's episodes plus any older one still waiting on D.
        still_waiting = known & (self.treatment > d) & ~(self._closed_by(d))
        basis = int((recent | still_waiting).sum())
        index = d - self.origin
        today = np.array([index])
        queue_i, queue_t, served_i, served_t = (v[0] for v in self.point_forecasts(today)[3:])
        # Per week, at the paces the forecast uses (over the same adaptive window).
        per_week = {
            name: float(np.nan_to_num(self._pace(cumulative, today)[0])) * 7
            for name, cumulative in (
                ("arrivals", self.cum_arrivals),
                ("intakes", self.cum_intakes),
                ("treatments", self.cum_treatments),
            )
        }
        longest = np.array([index - RATE_WINDOWS_DAYS[-1]])
        intakes = int(self._at(self.cum_intakes, today)[0] - self._at(self.cum_intakes, longest)[0])
        treatments = int(
            self._at(self.cum_treatments, today)[0] - self._at(self.cum_treatments, longest)[0]
        )
        shared = {
            "as_of": as_of,
            "basis": basis,
            "queue_intake": int(queue_i),
            "queue_treatment": int(queue_t),
            "arrivals_per_week": round(per_week["arrivals"], 1),
            "intakes_per_week": round(per_week["intakes"], 1),
            "treatments_per_week": round(per_week["treatments"], 1),
            "intake_served_share": round(float(served_i), 3),
            "treatment_served_share": round(float(served_t), 3),
        }
        if basis < MIN_BASIS:
            return Forecast(withheld=True, reason="few_episodes", **shared)
        if intakes < MIN_SERVED_IN_WINDOW:
            return Forecast(withheld=True, reason="no_intakes", **shared)
        if treatments < MIN_SERVED_IN_WINDOW:
            return Forecast(withheld=True, reason="no_treatments", **shared)
        candidates = self._candidates(d)
        if candidates is None:
            return Forecast(withheld=True, reason="few_waits", **shared)
        intake_fit, behandel_fit = candidates["intake"].fit, candidates["behandel"].fit
        use_queue = {stage: self._queue_did_better(d, stage) for stage in STAGES}
        intake50, intake80 = candidates["intake"].days(use_queue["intake"])
        total50, total80 = candidates["treatment"].days(use_queue["treatment"])
        behandel50, behandel80 = candidates["behandel"].days(True)
        return Forecast(
            withheld=False,
            intake_p50_days=_days(intake50),
            intake_p80_days=_days(intake80),
            treatment_p50_days=_days(max(total50, intake50)),
            treatment_p80_days=_days(max(total80, intake80)),
            behandel_p50_days=_days(behandel50),
            behandel_p80_days=_days(behandel80),
            intake_method="queue" if use_queue["intake"] else "recent",
            treatment_method="queue" if use_queue["treatment"] else "recent",
            intake_ratio_p50=round(intake_fit.ratio[1], 4),
            intake_ratio_p80=round(intake_fit.ratio[2], 4),
            behandel_ratio_p50=round(behandel_fit.ratio[1], 4),
            behandel_ratio_p80=round(behandel_fit.ratio[2], 4),
            **shared,
        )

    def _candidates(self, d: int) -> dict[str, _Candidate] | None:
        """Both forecasts (by the queue, by the recent waits) of each stage as of ``d``."""
        if d not in self._candidates_on:
            self._candidates_on[d] = self._both_ways(d)
        return self._candidates_on[d]

    def _both_ways(self, d: int) -> dict[str, _Candidate] | None:
        fits = self._calibration(d)
        if fits is None:
            return None
        intake_fit, behandel_fit, total_fit, gap = fits
        if self._points is None:
            self._points = self.point_forecasts(np.arange(self.length))
        index = min(d - self.origin, self.length - 1)
        intake_pf, behandel_pf, total_pf = (float(v[index]) for v in self._points[:3])
        if index < d - self.origin:  # d lies after the last event: recount at d
            intake_pf, behandel_pf, total_pf = (
                float(v[0]) for v in self.point_forecasts(np.array([d - self.origin]))[:3]
            )
        total_pf = max(total_pf, intake_pf + gap)
        return {
            "intake": _Candidate(intake_fit, intake_pf),
            "treatment": _Candidate(total_fit, total_pf),
            "behandel": _Candidate(behandel_fit, behandel_pf),
        }

    def _queue_did_better(self, d: int, stage: str) -> bool:
        """Would the queue's forecasts of the past half year have beaten the recent waits'?

        Both methods forecast as of ``SELECTION_DATES`` past days, far enough back that
        the people who registered in the fortnight after each are (mostly) through the
        stage by ``d``; the method with the smaller mean absolute error of the median
        wins. Without enough comparable days, the queue (the model's premise).
        """
        now = self._candidates(d)
        if now is None:
            return True
        lag = int(min(max(COHORT_DAYS + 1.5 * now[stage].fit.wait[2], 42), 273))
        queue_errors, recent_errors = [], []
        for k in range(SELECTION_DATES):
            past = d - lag - SELECTION_STEP_DAYS * k
            if past - self.origin < CALIBRATION_DAYS // 2:
                break
            then = self._candidates(past)
            if then is None:
                continue
            # What those people really waited, as known on d (their own day).
            realised = realised_waits(self, past, stage, d).median
            if realised is None:
                continue
            queue_errors.append(abs(then[stage].days(True)[0] - realised))
            recent_errors.append(abs(then[stage].days(False)[0] - realised))
        if len(queue_errors) < MIN_SELECTION_DATES:
            return True
        return float(np.mean(queue_errors)) <= float(np.mean(recent_errors))

    def _closed_by(self, d: int) -> np.ndarray:
        return (self.left_before_intake <= d) | (self.left_before_treatment <= d)

    def _calibration(self, d: int) -> tuple[StageFit, StageFit, StageFit, float] | None:
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
        closed_c = self.closed[cohort]
        left_i = self.left_before_intake[cohort] <= d
        left_t = self.left_before_treatment[cohort] <= d
        # The gap floor: intake -> treatment of those who started treatment in the window.
        started = (self.treatment <= d) & (self.treatment > d - SHARE_WINDOW_DAYS)
        gaps = (self.treatment - self.intake)[started]
        gap = float(np.quantile(gaps, GAP_QUANTILE)) if gaps.size else 0.0

        # Intake stage: served (an intake), left before it, or still waiting on D.
        ri = _stage_fit(self.intake[cohort], left_i, closed_c, reg_c, intake_pf[idx], d)
        # Total: registration -> treatment start; leaving at either stage competes.
        total_pf = np.fmax(total_by_pace[idx], intake_pf[idx] + gap)
        rt = _stage_fit(self.treatment[cohort], left_i | left_t, closed_c, reg_c, total_pf, d)
        # Treatment stage alone: intake -> treatment start, against the point forecast
        # on the intake day, for those whose intake was in the look-back.
        stage = (self.intake <= d) & (self.intake > d - CALIBRATION_DAYS)
        intake_s = self.intake[stage]
        rb = _stage_fit(
            self.treatment[stage],
            self.left_before_treatment[stage] <= d,
            self.closed[stage],
            intake_s,
            behandel_pf[intake_s - self.origin],
            d,
        )
        if ri is None or rt is None or rb is None:
            return None
        return ri, rb, rt, gap


def _days(value: float) -> int:
    return max(0, round(float(value)))


@dataclass(frozen=True)
class StageFit:
    """One stage's calibration: quantiles (20th, 50th, 80th) of the ratio "real wait /
    point forecast" and of the real waits themselves, among those served."""

    ratio: tuple[float, float, float]
    wait: tuple[float, float, float]


@dataclass(frozen=True)
class _Candidate:
    fit: StageFit
    point: float

    def days(self, by_queue: bool) -> tuple[float, float]:
        """Median and 80th percentile in days: by the queue, or by the recent waits."""
        if by_queue:
            return self.point * self.fit.ratio[1], self.point * self.fit.ratio[2]
        return self.fit.wait[1], self.fit.wait[2]


def _stage_fit(
    reached: np.ndarray,
    left: np.ndarray,
    closed: np.ndarray,
    start: np.ndarray,
    point: np.ndarray,
    d: int,
) -> StageFit | None:
    """Calibrate one stage on the waits that began in the look-back, as known on ``d``.

    ``reached``: the day the stage came (``NEVER``: not yet); ``left``: left before it
    by ``d``; ``start``: the day the wait began; ``point``: the point forecast made then.
    """
    usable = np.isfinite(point) & (point > 0)
    served = (reached <= d) & usable
    gone = left & ~served & usable
    end = np.where(served, reached, np.where(gone, closed, d))
    kinds = np.where(served, 1, np.where(gone, 2, 0))[usable]
    waits = (end - start)[usable].astype(float)
    ratio = _served_quantiles(waits / point[usable], kinds)
    wait = _served_quantiles(waits, kinds)
    if ratio is None or wait is None:
        return None
    return StageFit(ratio, wait)


def _served_quantiles(
    values: np.ndarray, kinds: np.ndarray, quantiles: Sequence[float] = (0.2, 0.5, 0.8)
) -> tuple[float, float, float] | None:
    """Quantiles of the values of those served, with competing risks and censoring.

    ``kinds``: 1 served at that value, 2 left at that value (a competing event), 0 still
    waiting (right-censored). The Aalen-Johansen estimate of the cumulative incidence of
    being served, divided by the share that will be served (the unresolved rest split
    like the resolved), gives the distribution among those served: what the back-test
    and a waiting person see. None with fewer than ``MIN_CALIBRATION_WAITS`` served or
    when the estimate never reaches a quantile (too much still unknown).
    """
    served_count = int((kinds == 1).sum())
    if served_count < MIN_CALIBRATION_WAITS:
        return None
    order = np.lexsort((kinds == 0, values))  # at a tie, events before censorings
    values, kinds = values[order], kinds[order]
    at_risk = len(values) - np.arange(len(values))
    hazard_served = np.where(kinds == 1, 1 / at_risk, 0.0)
    hazard_any = np.where(kinds > 0, 1 / at_risk, 0.0)
    survival_after = np.cumprod(1 - hazard_any)
    survival_before = np.concatenate([[1.0], survival_after[:-1]])
    incidence = np.cumsum(survival_before * hazard_served)
    left = float(np.sum(survival_before * np.where(kinds == 2, 1 / at_risk, 0.0)))
    resolved = incidence[-1] + left
    share_served = incidence[-1] + survival_after[-1] * (incidence[-1] / resolved)
    found = []
    for q in quantiles:
        reached = np.nonzero((incidence >= q * share_served - 1e-12) & (kinds == 1))[0]
        if not reached.size:
            return None
        found.append(float(values[reached[0]]))
    return found[0], found[1], found[2]


def naive_median(waits: Iterable[int]) -> float | None:
    """The median of waits (interpolated), or None without any."""
    ordered = sorted(waits)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
