"""Model forecasters: the fitted dynamics models of :mod:`sarhad.dynamics`, behind the shared
forecaster interface, and wrappers that add what a predictive distribution must carry beyond one
fitted model.

- :class:`CountModel` — :class:`sarhad.dynamics.NegBinCountModel` (NB2 count autoregression with
  trend, season and regimes) fitted on the last ``window`` months up to the origin; its paths
  carry parameter uncertainty (each path draws its own parameters from the MLE's asymptotic
  normal) and NB2 overdispersion.
- :class:`RegimeShift` — wraps any forecaster with the possibility that the level changes in the
  forecast window: in each future month a shift happens with probability ``hazard``; the level
  from then on is multiplied by :math:`e^{Z}`, :math:`Z \\sim N(0, \\sigma^2)`. Counts are rescaled
  by binomial thinning (factor < 1) or by adding Poisson(:math:`(e^Z - 1)\\,\\cdot` value)
  (factor > 1), so they stay integers with the base model's dispersion.
- :class:`HeavyTail` — adds mass-casualty months: in each future month, with probability
  ``rate`` (estimated at fit as the share of history months whose value exceeded ``threshold``
  times the trailing 12-month median), the month's count is multiplied by a factor resampled from
  the history's own exceedance ratios.

The settings of each (window, hazard, sigma, threshold) are chosen by the rolling backtest on
data up to 2021 (``docs/forecasting.md``), never by what happened later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sarhad.errors import SarhadError
from sarhad.forecast.base import BaseForecaster, Forecaster, clone
from sarhad.forecast.baselines import NegBinWindow
from sarhad.months import add_months


class CountModel(BaseForecaster):
    """NB2 count-model forecaster; settings are those of
    :class:`sarhad.dynamics.NegBinCountModel` plus ``window`` (months of history used; ``None``
    for all) and ``parameter_uncertainty``.

    Regimes are passed unchanged at every origin; the dynamics model drops a regime none (or
    all) of whose months are in the fitting sample, so a backtest origin never sees a regime
    that starts after it.

    Draws are capped at ``cap_factor`` times the largest month of the history (``None``: no
    cap). A log-linear trend extrapolated with drawn parameters can explode (a few paths with
    millions of deaths in a month); the cap keeps such paths from dominating mean scores and
    ensemble weights while leaving room for months far above anything seen.

    The trend is damped beyond the data (``trend_damping``, see
    :meth:`sarhad.dynamics.NegBinCountModel.sample_paths`): the slope fades by the factor
    ``trend_damping`` a month, so the forecast level moves at most ``phi / (1 - phi)`` months'
    worth of trend (2.3 for the default 0.7) past the origin; ``1`` extrapolates the trend
    undamped. 0.7 was chosen on a validation period that the reported backtest does not use
    (origins 2006-2011, grid 1, 0.98, 0.95, 0.9, 0.8, 0.7; docs/forecasting.md): undamped
    trends fitted on the escalation years overshot badly there, and the damped ones did not do
    worse on the 2012-2020 origins.

    When the model cannot be fitted at an origin (a window of mostly zero months makes the
    design singular, say), the forecaster falls back to ``fallback`` (default: the
    :class:`~sarhad.forecast.baselines.NegBinWindow` of the last 36 months) and says why in
    ``fallback_reason_``; with ``fallback=None`` the error is raised.
    """

    def __init__(self, *, name: str = "negbin-ar", window: int | None = 120, trend: bool = True,
                 seasonality: bool = False, harmonics: int = 2, ar_lags: Sequence[int] = (1,),
                 regimes: Sequence[tuple[str, str, str | None]] = (),
                 parameter_uncertainty: bool = True,
                 fallback: Forecaster | None = NegBinWindow(window=36),
                 cap_factor: float | None = 3.0, trend_damping: float = 0.7):
        self.name = name
        self.window = window
        self.trend = trend
        self.seasonality = seasonality
        self.harmonics = harmonics
        self.ar_lags = tuple(ar_lags)
        self.regimes = list(regimes)
        self.parameter_uncertainty = parameter_uncertainty
        self.fallback = fallback
        self.cap_factor = cap_factor
        self.trend_damping = trend_damping

    def _fit(self, y: np.ndarray) -> None:
        from sarhad.dynamics import NegBinCountModel

        n = len(y)
        w = n if self.window is None else min(self.window, n)
        start = add_months(self.start_month_, n - w)
        self.fallback_reason_: str | None = None
        self.fallback_model_: Forecaster | None = None
        try:
            self.model_ = NegBinCountModel(trend=self.trend, seasonality=self.seasonality,
                                           harmonics=self.harmonics, ar_lags=self.ar_lags,
                                           regimes=self.regimes).fit(y[n - w:], start_month=start)
        except SarhadError as err:
            if self.fallback is None:
                raise
            self.fallback_reason_ = str(err)
            self.fallback_model_ = clone(self.fallback).fit(y, start_month=self.start_month_)

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        if self.fallback_model_ is not None:
            return self.fallback_model_.sample(horizon, draws=draws, rng=rng)
        paths = self.model_.sample_paths(horizon, draws=draws, rng=rng,
                                         parameter_uncertainty=self.parameter_uncertainty,
                                         trend_damping=self.trend_damping)
        if self.cap_factor is not None:
            paths = np.minimum(paths, int(self.cap_factor * max(int(self.y_.max()), 1)))
        return paths


def rescale_counts(y: np.ndarray, factor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integer counts scaled by ``factor`` in distribution: binomial thinning
    :math:`\\mathrm{Bin}(y, f)` for :math:`f \\le 1`, :math:`y + \\mathrm{Poisson}((f-1)y)` for
    :math:`f > 1`; either way :math:`E[\\cdot \\mid y] = f y`."""
    y = np.asarray(y, dtype=np.int64)
    f = np.broadcast_to(np.asarray(factor, dtype=float), y.shape)
    down = f <= 1.0
    out = np.empty_like(y)
    out[down] = rng.binomial(y[down], np.clip(f[down], 0.0, 1.0))
    up = ~down
    out[up] = y[up] + rng.poisson(np.minimum((f[up] - 1.0) * y[up], 1e9))
    return out


class RegimeShift(BaseForecaster):
    """Level shifts inside the forecast window (see the module docstring).

    Per path, shift times are Bernoulli(``hazard``) per month; at each shift the multiplier is
    multiplied by :math:`e^{Z}`, :math:`Z \\sim N(0,` ``sigma``:math:`^2)`, and applies to that
    month and every later one.
    """

    def __init__(self, base: Forecaster, *, hazard: float = 1 / 48, sigma: float = 0.7,
                 name: str | None = None):
        if not 0.0 <= hazard <= 1.0 or sigma < 0:
            raise SarhadError("RegimeShift: hazard must be in [0, 1] and sigma >= 0")
        self.base = base
        self.hazard = hazard
        self.sigma = sigma
        self.name = name or f"{base.name}+shift"

    def _fit(self, y: np.ndarray) -> None:
        self.base_ = clone(self.base).fit(y, start_month=self.start_month_)

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        g_base, g_shift = rng.spawn(2)
        paths = self.base_.sample(horizon, draws=draws, rng=g_base)
        hit = g_shift.random((draws, horizon)) < self.hazard
        z = np.where(hit, g_shift.normal(0.0, self.sigma, (draws, horizon)), 0.0)
        factor = np.exp(np.cumsum(z, axis=1))
        return rescale_counts(paths, factor, g_shift)


class HeavyTail(BaseForecaster):
    """Mass-casualty months (see the module docstring).

    At fit: for each month :math:`t` with at least 12 earlier months, the ratio
    :math:`r_t = y_t / \\max(1, \\mathrm{median}(y_{t-12..t-1}))`; months with
    :math:`r_t >` ``threshold`` are exceedances. ``rate_`` is their share, ``ratios_`` their
    ratios divided by ``threshold`` (the part the base model does not already produce). In
    sampling, each month independently with probability ``rate_`` is rescaled by a resampled
    ratio.
    """

    def __init__(self, base: Forecaster, *, threshold: float = 3.0, name: str | None = None):
        if threshold <= 1.0:
            raise SarhadError("HeavyTail: threshold must be above 1")
        self.base = base
        self.threshold = threshold
        self.name = name or f"{base.name}+tail"

    def _fit(self, y: np.ndarray) -> None:
        self.base_ = clone(self.base).fit(y, start_month=self.start_month_)
        if len(y) <= 12:
            self.rate_, self.ratios_ = 0.0, np.ones(1)
            return
        windows = np.lib.stride_tricks.sliding_window_view(y[:-1], 12)
        med = np.maximum(np.median(windows, axis=1), 1.0)
        r = y[12:] / med
        exceed = r > self.threshold
        self.rate_ = float(exceed.mean())
        self.ratios_ = (r[exceed] / self.threshold) if exceed.any() else np.ones(1)

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        g_base, g_tail = rng.spawn(2)
        paths = self.base_.sample(horizon, draws=draws, rng=g_base)
        hit = g_tail.random((draws, horizon)) < self.rate_
        factor = np.where(hit, g_tail.choice(self.ratios_, size=(draws, horizon)), 1.0)
        return rescale_counts(paths, factor, g_tail)


def scenario_regimes(scenario: Any) -> list[tuple[str, str, str | None]]:
    """The scenario's regime dates as count-model regimes ``(name, "YYYY-MM", end or None)``,
    by the one rule all monthly models share (:func:`sarhad.kb.query.regime_months`). Regimes
    after a backtest origin do no harm: the count model drops a regime none of whose months are
    in its fitting sample."""
    from sarhad.kb.query import regime_months

    return regime_months(scenario)


class HawkesForecaster(BaseForecaster):
    """Self-exciting event forecaster: a univariate exponential-kernel Hawkes process
    (:class:`sarhad.dynamics.HawkesProcess`) fitted to the event days of the last
    ``window_months`` up to the origin, simulated forward by the cluster method given that
    history, and counted by month.

    The monthly series ``y`` of :meth:`fit` only fixes the origin; the event days come from
    ``event_days`` (``numpy.datetime64[D]``, one per event, e.g. ``event_table(...)
    ["date_start"]``) and, for ``target="fatalities"``, ``fatalities`` (the events' ``best``).
    Only events up to the end of the origin month are used. Fatalities are a compound process:
    each simulated event takes the fatalities of an event drawn at random from the last
    ``mark_pool`` observed events, which carries the heavy tail of mass-casualty attacks.
    Same-day events are separated by a seeded uniform jitter within the day
    (:func:`sarhad.dynamics.events.jitter_days`); events dated only to a week, month or year
    enter at their start date (their share is small in the UCDP record for Pakistan).
    ``background_months`` splits the window into blocks with their own background rate (the
    last block's rate continues into the forecast); ``None`` keeps one rate for the window.
    """

    def __init__(self, event_days: np.ndarray, fatalities: np.ndarray | None = None, *,
                 target: str = "events", window_months: int = 60, mark_pool: int = 300,
                 background_months: int | None = 6, name: str = "hawkes", seed: int = 0):
        days = np.asarray(event_days).astype("datetime64[D]")
        if target not in ("events", "fatalities"):
            raise SarhadError(f"HawkesForecaster: target must be events or fatalities, "
                              f"got {target!r}")
        if target == "fatalities" and (fatalities is None or len(fatalities) != len(days)):
            raise SarhadError("HawkesForecaster: fatalities forecasts need one fatality count "
                              "per event")
        order = np.argsort(days, kind="stable")
        self.event_days = days[order]
        self.fatalities = None if fatalities is None else \
            np.asarray(fatalities, dtype=np.int64)[order]
        self.target = target
        self.window_months = window_months
        self.mark_pool = mark_pool
        self.background_months = background_months
        self.name = name
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        from sarhad.dynamics import HawkesProcess
        from sarhad.dynamics.events import jitter_days

        first = add_months(self.origin_, -self.window_months + 1)
        lo = np.datetime64(first + "-01", "D")
        hi = np.datetime64(add_months(self.origin_, 1) + "-01", "D")  # exclusive
        sel = (self.event_days >= lo) & (self.event_days < hi)
        days = (self.event_days[sel] - lo).astype(float)
        self.T_ = float((hi - lo).astype(int))
        self.window_start_ = lo
        rng = np.random.Generator(np.random.PCG64(self.seed))
        times = np.sort(np.minimum(jitter_days(days, rng), self.T_ - 1e-6))
        self.fallback_: NegBinWindow | None = None
        if times.size < 10:
            self.fallback_ = NegBinWindow(window=36).fit(y, start_month=self.start_month_)
            return
        self.times_ = times
        breaks: list[float] = []
        if self.background_months:
            # a piecewise-constant background, one level per block of months; the last block's
            # level continues into the forecast (a local level under the self-excitation)
            for k in range(self.window_months - self.background_months, 0,
                           -self.background_months):
                b = float((np.datetime64(add_months(first, k) + "-01", "D") - lo).astype(int))
                if 0 < b < self.T_:
                    breaks.append(b)
        self.model_ = HawkesProcess(kernel="exp", decay_bounds=(1 / 90, 5.0),
                                    breaks=sorted(breaks)).fit([times], T=self.T_)
        if self.fatalities is not None:
            pool = self.fatalities[sel][-self.mark_pool:]
            self.pool_ = pool if pool.size else np.zeros(1, dtype=np.int64)

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        if self.fallback_ is not None:
            return self.fallback_.sample(horizon, draws=draws, rng=rng)
        months = [add_months(self.origin_, h) for h in range(1, horizon + 2)]
        edges = np.array([(np.datetime64(m + "-01", "D") - self.window_start_).astype(int)
                          for m in months], dtype=float)
        counts = self.model_.sample_counts(edges, draws=draws, rng=rng,
                                           history=[self.times_])[:, :, 0]
        if self.target == "events":
            return counts
        flat = counts.ravel()
        marks = rng.choice(self.pool_, size=int(flat.sum()))
        cell = np.repeat(np.arange(flat.size), flat)
        return np.bincount(cell, weights=marks, minlength=flat.size).astype(
            np.int64).reshape(counts.shape)


class LogAR(BaseForecaster):
    """AR(1) on the log scale with residual bootstrap: :math:`z_t = \\log(1 + y_t)`,

    .. math::  z_t = c + \\phi z_{t-1} + e_t,

    fitted by least squares on the last ``window`` months. A path draws :math:`(c, \\phi)` from
    the OLS estimate's normal approximation (parameter uncertainty; :math:`|\\phi| < 1` kept by
    redrawing), then walks forward with residuals resampled from the fit (no distributional
    assumption for the noise: the fitted residuals carry the series' own skew and heavy tail;
    Efron & Tibshirani 1993, §8.5), and returns :math:`\\max(0, \\mathrm{round}(e^{z} - 1))`.
    Levels stay bounded: the process reverts to :math:`c / (1 - \\phi)`, so it cannot run off
    the way an extrapolated trend can. A window with a constant series falls back to
    :class:`~sarhad.forecast.baselines.Bootstrap`.
    """

    def __init__(self, *, window: int = 60, name: str | None = None):
        if window < 12:
            raise SarhadError("LogAR: window must be at least 12 months")
        self.window = window
        self.name = name or f"logar-w{window}"

    def _fit(self, y: np.ndarray) -> None:
        z = np.log1p(y[-self.window:].astype(float))
        X = np.column_stack([np.ones(len(z) - 1), z[:-1]])
        self.fallback_model_: Forecaster | None = None
        if np.ptp(z[:-1]) == 0:
            from sarhad.forecast.baselines import Bootstrap

            self.fallback_model_ = Bootstrap(window=12).fit(y, start_month=self.start_month_)
            return
        coef, *_ = np.linalg.lstsq(X, z[1:], rcond=None)
        resid = z[1:] - X @ coef
        dof = max(len(resid) - 2, 1)
        s2 = float(resid @ resid) / dof
        self.coef_ = coef
        self.cov_ = s2 * np.linalg.inv(X.T @ X)
        # residuals centred, so the bootstrap noise has mean 0 like the OLS errors
        self.resid_ = resid - resid.mean()
        self.last_ = float(z[-1])

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        if self.fallback_model_ is not None:
            return self.fallback_model_.sample(horizon, draws=draws, rng=rng)
        w, V = np.linalg.eigh(self.cov_)
        root = V * np.sqrt(np.clip(w, 0, None))
        th = self.coef_ + rng.standard_normal((draws, 2)) @ root.T
        for _ in range(100):
            bad = np.abs(th[:, 1]) >= 1
            if not bad.any():
                break
            th[bad] = self.coef_ + rng.standard_normal((int(bad.sum()), 2)) @ root.T
        th[:, 1] = np.clip(th[:, 1], -0.99, 0.99)
        e = rng.choice(self.resid_, size=(draws, horizon))
        z = np.full(draws, self.last_)
        out = np.empty((draws, horizon), dtype=np.int64)
        top = np.log1p(1e7)
        for h in range(horizon):
            z = np.minimum(th[:, 0] + th[:, 1] * z + e[:, h], top)
            out[:, h] = np.maximum(np.rint(np.expm1(z)), 0)
        return out
