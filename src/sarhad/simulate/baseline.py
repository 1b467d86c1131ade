"""The violence channel's baseline: the fitted dynamics model and the record at the origin.

The simulator does not invent a violence process: its TTP fatalities come from a
:class:`~sarhad.dynamics.NegBinCountModel` (trend, season, regimes, AR feedback, NB2 dispersion)
fitted to the actor's monthly fatalities up to the origin, which the state then scales
(:func:`sarhad.simulate.mechanisms.violence_multiplier`). Province shares and IS-K's level come
from the last ``share_window`` months of the record before the origin. Only data up to the
origin month are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sarhad.dynamics import NegBinCountModel
from sarhad.dynamics.count import month_index, month_label
from sarhad.errors import SarhadError
from sarhad.kb.schema import Scenario
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


def scenario_regimes(scenario: Scenario, ids: list[str]) -> list[tuple[str, str, str | None]]:
    """The named scenario events as count-model regimes ``(id, "YYYY-MM", end or None)``: a
    ``regime-change`` is a step from its month; a ``window`` covers the months it mostly covers
    (a cease-fire ending in the first days of December covers November only)."""
    by_id = {e.id: e for e in scenario.events}
    out: list[tuple[str, str, str | None]] = []
    for i in ids:
        e = by_id[i]
        lo = e.start.earliest
        if lo is None:
            continue
        start = f"{lo:%Y-%m}"
        end = None
        if e.kind == "window" and e.end.earliest is not None:
            last = e.end.earliest
            last_month = month_index(f"{last:%Y-%m}")
            end = month_label(last_month if last.day > 15 else last_month - 1)
            end = max(end, start)
        out.append((e.id, start, end))
    return out


def fit_model(y: np.ndarray, start_month: str, spec: SimulationSpec,
              scenario: Scenario) -> NegBinCountModel:
    v = spec.violence
    regimes = scenario_regimes(scenario, list(v.regimes))
    return NegBinCountModel(trend=v.trend, seasonality=v.seasonality, ar_lags=tuple(v.ar_lags),
                            regimes=regimes).fit(np.asarray(y, dtype=float),
                                                 start_month=start_month)


def baseline_from_series(y: np.ndarray, start_month: str, spec: SimulationSpec,
                         scenario: Scenario, *, shares: np.ndarray | None = None,
                         isk_level: float = 0.0) -> Baseline:
    """A baseline from a monthly series alone (the forecaster path). Without ``shares`` all
    violence is put in the first province."""
    y = np.asarray(y, dtype=float)
    model = fit_model(y, start_month, spec, scenario)
    P = len(spec.provinces)
    if shares is None:
        shares = np.zeros(P)
        shares[0] = 1.0
    origin = month_label(month_index(start_month) + len(y) - 1)
    return Baseline(model, y, start_month, origin, np.asarray(shares, float), float(isk_level))


def record_facts(store: Any, spec: SimulationSpec, scenario: Scenario,
                 origin: str) -> tuple[np.ndarray, float]:
    """Province shares of the actor's fatalities and IS-K's mean monthly fatalities over the
    ``share_window`` months up to ``origin`` (inclusive)."""
    import polars as pl

    from sarhad.panels import event_table, monthly_series

    v = spec.violence
    lo = month_label(month_index(origin) - v.share_window + 1)
    ev = event_table(store, actor=v.actor, start=lo, end=origin, scenario=scenario)
    by = {r["province"]: r["best"] for r in
          ev.group_by("province").agg(pl.col("best").sum()).iter_rows(named=True)}
    counts = np.zeros(len(spec.provinces))
    matched: set[Any] = set()
    for i, p in enumerate(spec.provinces):
        for name in p.match:
            counts[i] += by.get(name, 0) or 0
            matched.add(name)
    other = [i for i, p in enumerate(spec.provinces) if not p.match]
    rest = sum((b or 0) for k, b in by.items() if k not in matched)
    if other:
        counts[other[0]] += rest
    total = counts.sum()
    shares = counts / total if total > 0 else np.full(len(counts), 1.0 / len(counts))
    isk = monthly_series(store, actor=v.isk_actor, start=lo, end=origin, scenario=scenario)
    return shares, float(np.mean(isk["value"].to_numpy())) if isk.height else 0.0


def baseline_from_store(scenario: Scenario, spec: SimulationSpec, *, db: Path | None = None,
                        origin: str | None = None) -> Baseline:
    """Fit the baseline on the event store (default: the bundled UCDP GED extract) up to
    ``origin`` (default: the simulation section's origin)."""
    from sarhad.panels import monthly_series
    from sarhad.store import open_store

    origin = origin or spec.origin
    month_index(origin)
    if origin > scenario.knowledge_date.strftime("%Y-%m"):
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
