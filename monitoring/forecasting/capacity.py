"""How much more must a list serve to meet the Treeknorm? Pure capacity advice.

Per provider x care level and stage (intake: registration -> intake, norm ``aanmeld``;
treatment: intake -> start of treatment, norm ``behandel``), the extra number served per
week, from now on, that brings the forecast's median (and separately its 80th
percentile) within the norm within ``HORIZON_WEEKS`` weeks. The list as the forecast
reads it on its day:

- ``Q0``: the queue now; ``s``: the share of those leaving it who are served (the rest
  leave unserved and free a place without using one), so ``Q0·s`` will be served;
- ``λ``: arrivals per week, of whom ``λ·s`` stay to be served; ``μ``: served per week
  now (the forecast's pace);
- ``q``: the calibration's ratio "real wait / point forecast" at the median (or the
  80th percentile). The forecast is the point forecast times ``q``, so a norm of ``N``
  weeks allows a point wait of ``W = N / q`` weeks.

With ``x`` extra served per week, after ``T`` weeks the queue that stays is
``Q_T = max(0, Q0·s + (λ·s - μ - x)·T)`` and the point wait of someone who registers then
is ``(Q_T + 1) / (μ + x)`` (first come, first served, as in the model). That is at most
``W`` exactly when both ``Q0·s + (λ·s - μ - x)·T + 1 ≤ W·(μ + x)`` and ``1 ≤ W·(μ + x)``
hold (``max(0, a) + 1 ≤ c`` is ``a + 1 ≤ c`` and ``1 ≤ c``), that is, for

    x = max(0, (Q0·s + 1 + (λ·s - μ)·T - W·μ) / (W + T), 1/W - μ).

The first term is the queue worked down in time, the second the pace that serves even
a lone newcomer within ``W``. The treatment stage's arrivals are the intakes: its ``λ``
is the intake pace plus the extra intakes advised for the same quantile.

What the advice does not know: that extra capacity takes time to hire, that the ratio
(how far the list strays from first come, first served) may change with the pace, or
that people who leave unserved may leave at another rate when the wait shortens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from voorzorg.core.treeknorm import Norms

HORIZON_WEEKS = 13
QUANTILES = ("p50", "p80")


@dataclass(frozen=True)
class ListState:
    """What the advice reads of one provider x care level's forecast (``model.Forecast``
    or a stored ``WaitForecast`` with its details): per week, and the ratio quantiles
    (None when the forecast is withheld)."""

    queue_intake: float
    queue_treatment: float
    arrivals_per_week: float
    intakes_per_week: float
    treatments_per_week: float
    intake_served_share: float
    treatment_served_share: float
    intake_ratio_p50: float | None
    intake_ratio_p80: float | None
    behandel_ratio_p50: float | None
    behandel_ratio_p80: float | None

    @classmethod
    def of(cls, figures: object) -> ListState:
        """From a ``model.Forecast``, or a stored ``WaitForecast`` (which keeps the
        ratios and shares in ``details``; an older row without them reads as withheld)."""
        details = getattr(figures, "details", None) or {}
        return cls(
            **{
                name: getattr(figures, name) if hasattr(figures, name) else details.get(name)
                for name in cls.__dataclass_fields__
            }
        )


@dataclass(frozen=True)
class StageAdvice:
    """The extra served per week for one stage and quantile, with what it rests on."""

    stage: str  # "intake" or "behandel"
    quantile: str  # "p50" or "p80"
    queue: float  # Q0
    arrivals_per_week: float  # λ (for treatment: the intakes, with the extra ones)
    served_per_week: float  # μ
    served_share: float  # s
    norm_weeks: float  # N
    ratio: float  # q
    extra_per_week: float  # x
    met_in_weeks: int | None  # from the forecast's day; None: not with this x

    @property
    def already_within(self) -> bool:
        return self.extra_per_week == 0 and self.met_in_weeks == 0

    @property
    def within_now(self) -> bool:
        """Someone registering today is forecast within the norm at today's pace, even
        when the queue grows so that, without the extra, it would not stay so."""
        return (
            weeks_until_met(
                queue=self.queue,
                arrivals=self.arrivals_per_week,
                rate=self.served_per_week,
                served_share=self.served_share,
                norm_weeks=self.norm_weeks,
                ratio=self.ratio,
                extra=0.0,
            )
            == 0
        )


@dataclass(frozen=True)
class CellAdvice:
    """Both stages at both quantiles: ``advice[stage][quantile]``."""

    intake: dict[str, StageAdvice]
    behandel: dict[str, StageAdvice]


def extra_needed(
    *,
    queue: float,
    arrivals: float,
    rate: float,
    served_share: float,
    norm_weeks: float,
    ratio: float,
    horizon: float = HORIZON_WEEKS,
) -> float:
    """``x`` of the module's formula: extra served per week so that someone registering
    ``horizon`` weeks from now is forecast to wait at most ``norm_weeks``. 0 when the
    list meets it at its present pace; 0 too when the ratio is 0 (the waits do not
    follow the queue's length at all, so no pace changes the forecast)."""
    if ratio <= 0:
        return 0.0
    allowed = norm_weeks / ratio  # W
    worked_down = (
        queue * served_share + 1 + (arrivals * served_share - rate) * horizon - allowed * rate
    ) / (allowed + horizon)
    return max(0.0, worked_down, 1 / allowed - rate)


def weeks_until_met(
    *,
    queue: float,
    arrivals: float,
    rate: float,
    served_share: float,
    norm_weeks: float,
    ratio: float,
    extra: float,
) -> int | None:
    """The first whole week t (0: now) from which someone registering is forecast to
    wait at most ``norm_weeks`` with ``extra`` served per week; None when never."""
    if ratio <= 0:
        return 0
    allowed = norm_weeks / ratio
    pace = rate + extra
    if pace <= 0 or allowed * pace < 1:
        return None  # even a newcomer to an empty queue would wait too long
    stays = queue * served_share
    if stays + 1 <= allowed * pace:
        return 0
    shrink = pace - arrivals * served_share  # per week
    if shrink <= 0:
        return None
    weeks = (stays + 1 - allowed * pace) / shrink
    return math.ceil(weeks - 1e-9)


def _stage(
    stage: str,
    quantile: str,
    *,
    queue: float,
    arrivals: float,
    rate: float,
    served_share: float,
    norm_days: int,
    ratio: float,
) -> StageAdvice:
    figures = {
        "queue": queue,
        "arrivals": arrivals,
        "rate": rate,
        "served_share": served_share,
        "norm_weeks": norm_days / 7,
        "ratio": ratio,
    }
    extra = extra_needed(**figures)
    return StageAdvice(
        stage=stage,
        quantile=quantile,
        queue=queue,
        arrivals_per_week=arrivals,
        served_per_week=rate,
        served_share=served_share,
        norm_weeks=norm_days / 7,
        ratio=ratio,
        extra_per_week=extra,
        met_in_weeks=weeks_until_met(**figures, extra=extra),
    )


def advise(state: ListState, norms: Norms) -> CellAdvice | None:
    """The advice for one provider x care level; None when its forecast is withheld
    (no ratio quantiles: too little to calibrate on)."""
    ratios = (
        state.intake_ratio_p50,
        state.intake_ratio_p80,
        state.behandel_ratio_p50,
        state.behandel_ratio_p80,
    )
    if any(ratio is None for ratio in ratios):
        return None
    intake, behandel = {}, {}
    for quantile in QUANTILES:
        intake[quantile] = _stage(
            "intake",
            quantile,
            queue=state.queue_intake,
            arrivals=state.arrivals_per_week,
            rate=state.intakes_per_week,
            served_share=state.intake_served_share,
            norm_days=norms.aanmeld,
            ratio=getattr(state, f"intake_ratio_{quantile}"),
        )
        # Extra intakes are extra arrivals in the treatment queue.
        behandel[quantile] = _stage(
            "behandel",
            quantile,
            queue=state.queue_treatment,
            arrivals=state.intakes_per_week + intake[quantile].extra_per_week,
            rate=state.treatments_per_week,
            served_share=state.treatment_served_share,
            norm_days=norms.behandel,
            ratio=getattr(state, f"behandel_ratio_{quantile}"),
        )
    return CellAdvice(intake=intake, behandel=behandel)
