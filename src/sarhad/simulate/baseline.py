"""The violence channel's baseline: the fitted dynamics model and the record at the origin.

The simulator does not invent a violence process: its TTP fatalities come from a
:class:`~sarhad.dynamics.NegBinCountModel` (trend, season, regimes, AR feedback, NB2 dispersion)
fitted to the actor's monthly fatalities up to the origin, which the state then scales
(:func:`sarhad.simulate.mechanisms.violence_multiplier`). Province shares and IS-K's level come
from the last ``share_window`` months of the record before the origin. Only data up to the
origin month are read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sarhad.dynamics import NegBinCountModel
from sarhad.errors import SarhadError
from sarhad.kb.schema import Scenario
from sarhad.months import month_index, month_label, month_of
from sarhad.simulate.priors import SimulationSpec


@dataclass
class Baseline:
    """What the engine needs from the record: a fitted model and the origin's facts."""

    model: NegBinCountModel
    history: np.ndarray          # monthly fatalities start..origin (float)
    start_month: str
    origin: str                  # last month of the history
    shares: np.ndarray           # (provinces,) share of fatalities by province, sums to 1
    isk_level: float             # IS-K's mean monthly fatalities in the share window

    def future(self, months: int) -> list[str]:
        o = month_index(self.origin)
        return [month_label(o + 1 + h) for h in range(months)]

    def draw(self, runs: int, rng: np.random.Generator, *,
             parameter_uncertainty: bool = True) -> np.ndarray:
        """``(runs, p + 1)`` model parameters (coefficients, log alpha), one row per run."""
        if parameter_uncertainty:
            return self.model.draw_parameters(runs, rng=rng)
        return np.broadcast_to(self.model.theta_, (runs, self.model.theta_.size)).copy()

    def deterministic(self, theta: np.ndarray, months: int) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
        """Per run: the trend + season + regime part of ``log mu`` for each future month
        ``(runs, months)``, the AR coefficients ``(runs, lags)`` and ``r = 1 / alpha``
        ``(runs,)``."""
        m = self.model
        design = m._design
        n = len(self.history)
        origin = month_index(self.start_month)
        future = origin + n + np.arange(months)
        Xf = design.deterministic(future, origin)
        p_det = len(design.names)
        det = theta[:, :p_det] @ Xf.T
        phi = theta[:, p_det:-1]
        r = np.exp(-theta[:, -1])
        return det, phi, r

    @property
    def lags(self) -> tuple[int, ...]:
        return tuple(self.model._lags)


def scenario_regimes(scenario: Scenario, ids: list[str],
                     origin: str | None = None) -> list[tuple[str, str, str | None]]:
    """The named scenario events as count-model regimes, as known at ``origin`` (see
    :func:`sarhad.simulate.origin.regimes_as_of`; ``None``: every event, uncut)."""
    from sarhad.simulate.origin import regimes_as_of

    return regimes_as_of(scenario, ids, origin)


def fit_model(y: np.ndarray, start_month: str, spec: SimulationSpec,
              scenario: Scenario) -> NegBinCountModel:
    """The violence model on ``y`` (months ``start_month`` to the origin); only regime dates
    known at the origin enter."""
    v = spec.violence
    origin = month_label(month_index(start_month) + len(y) - 1)
    regimes = scenario_regimes(scenario, list(v.regimes), origin)
    return NegBinCountModel(trend=v.trend, seasonality=v.seasonality, ar_lags=tuple(v.ar_lags),
                            regimes=regimes).fit(np.asarray(y, dtype=float),
                                                 start_month=start_month)


@dataclass(frozen=True)
class Record:
    """The record the baseline's facts come from: the modelled actor's monthly fatalities by
    simulator province ``(months, provinces)`` and IS-K's ``(months,)``, from ``start_month``.
    :meth:`facts` reads only the months up to the origin it is given."""

    start_month: str
    provinces: np.ndarray
    isk: np.ndarray

    def facts(self, origin: str, window: int) -> tuple[np.ndarray, float]:
        """Province shares of the actor's fatalities and IS-K's mean monthly fatalities over
        the ``window`` months up to ``origin`` (inclusive). No fatalities in the window: equal
        shares."""
        hi = month_index(origin) - month_index(self.start_month) + 1
        lo = max(hi - window, 0)
        hi = min(max(hi, 0), self.provinces.shape[0])
        counts = self.provinces[lo:hi].sum(axis=0) if hi > lo else \
            np.zeros(self.provinces.shape[1])
        total = counts.sum()
        P = self.provinces.shape[1]
        shares = counts / total if total > 0 else np.full(P, 1.0 / P)
        # months before the record's start count as zero, as monthly_series zero-fills
        isk = float(self.isk[lo:hi].sum() / window) if hi > lo else 0.0
        return shares, isk


def record_from_store(store: Any, spec: SimulationSpec, scenario: Scenario, *,
                      start: str | None = None, end: str | None = None) -> Record:
    """Monthly fatalities of ``spec.violence.actor`` (and its factions) by simulator province,
    and of IS-K, from the event store (events in Pakistan, by month of ``date_start``);
    provinces are matched by name, unmatched ones go to the province with an empty ``match``."""
    import polars as pl

    from sarhad.panels import event_table

    v = spec.violence
    start = start or v.start
    ev = event_table(store, actor=v.actor, start=start, end=end, scenario=scenario)
    isk_ev = event_table(store, actor=v.isk_actor, start=start, end=end, scenario=scenario)
    last = [month_of(d) for d in (ev["date_start"].max(), isk_ev["date_start"].max())
            if isinstance(d, dt.date)]
    stop = end or (max(last) if last else start)
    n = month_index(stop) - month_index(start) + 1
    col = {}
    other = [i for i, p in enumerate(spec.provinces) if not p.match]
    for i, p in enumerate(spec.provinces):
        for name in p.match:
            col[name] = i
    prov = np.zeros((max(n, 0), len(spec.provinces)))
    isk = np.zeros(max(n, 0))
    m0 = month_index(start)
    for frame, target in ((ev, "ttp"), (isk_ev, "isk")):
        if frame.height == 0:
            continue
        g = frame.with_columns(pl.col("date_start").dt.strftime("%Y-%m").alias("month")) \
            .group_by("month", "province").agg(pl.col("best").fill_null(0).sum())
        for month, province, best in g.iter_rows():
            t = month_index(month) - m0
            if not 0 <= t < n:
                continue
            if target == "isk":
                isk[t] += best
            elif province in col:
                prov[t, col[province]] += best
            elif other:
                prov[t, other[0]] += best
    return Record(start, prov, isk)


def baseline_from_series(y: np.ndarray, start_month: str, spec: SimulationSpec,
                         scenario: Scenario, *, record: Record | None = None,
                         shares: np.ndarray | None = None) -> Baseline:
    """A baseline from a monthly series (the forecaster path): the model fitted on ``y`` (data
    up to the origin), province shares and IS-K's level from ``record`` up to the origin
    (``shares`` given explicitly win)."""
    y = np.asarray(y, dtype=float)
    model = fit_model(y, start_month, spec, scenario)
    origin = month_label(month_index(start_month) + len(y) - 1)
    isk_level = 0.0
    if record is not None:
        rec_shares, isk_level = record.facts(origin, spec.violence.share_window)
        if shares is None:
            shares = rec_shares
    if shares is None:
        raise SarhadError("baseline: give the record (province shares) or shares")
    return Baseline(model, y, start_month, origin, np.asarray(shares, float), float(isk_level))


def record_facts(store: Any, spec: SimulationSpec, scenario: Scenario,
                 origin: str) -> tuple[np.ndarray, float]:
    """Province shares of the actor's fatalities and IS-K's mean monthly fatalities over the
    ``share_window`` months up to ``origin`` (inclusive)."""
    v = spec.violence
    lo = month_label(month_index(origin) - v.share_window + 1)
    return record_from_store(store, spec, scenario, start=lo, end=origin).facts(
        origin, v.share_window)


def baseline_from_store(scenario: Scenario, spec: SimulationSpec, *, db: Path | None = None,
                        origin: str | None = None) -> Baseline:
    """Fit the baseline on the event store (default: the bundled UCDP GED extract) up to
    ``origin`` (default: the simulation section's origin)."""
    from sarhad.panels import monthly_series
    from sarhad.store import open_store

    origin = origin or spec.origin
    month_index(origin)
    if origin > month_of(scenario.knowledge_date):
        raise SarhadError(f"origin {origin} is after the scenario's knowledge date "
                          f"{scenario.knowledge_date}")
    store = open_store(db, read_only=True) if db is not None else open_store()
    v = spec.violence
    ys = monthly_series(store, actor=v.actor, start=v.start, end=origin, scenario=scenario)
    y = ys["value"].to_numpy().astype(float)
    if len(y) < 36:
        raise SarhadError(f"only {len(y)} months of {v.actor} fatalities from {v.start} to "
                          f"{origin}; the simulator needs at least 36")
    shares, isk_level = record_facts(store, spec, scenario, origin)
    model = fit_model(y, v.start, spec, scenario)
    return Baseline(model, y, v.start, origin, shares, isk_level)
