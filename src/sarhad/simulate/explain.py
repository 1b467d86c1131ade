"""Explanation and robustness: which mechanisms drive an outcome, and where a strategy fails.

Decomposition. A mechanism is switched off by setting its parameters to neutral values
(:data:`sarhad.simulate.engine.MECHANISMS`), on common random numbers: run ``r`` with and without
the mechanism sees the same draws, so the per-run difference is the mechanism's contribution to
that run's outcome (a one-at-a-time, "knock-out" attribution; contributions need not add up when
mechanisms interact, and the table reports the interaction remainder). For a comparison of two
strategies, the contribution of a mechanism to the difference is
``(A - B with everything on) - (A - B with it off)``.

Scenario discovery (in the spirit of the EMA Workbench, Kwakkel 2017): the uncertainties are the
per-run parameter draws, the levers are the policy, the outcome is a per-run failure flag (by
default: more TTP fatalities than the status quo on the same draws). PRIM (Friedman & Fisher
1999) peels the parameter box to find a region where failure is concentrated, reporting its
coverage (share of all failures inside), density (failure rate inside) and support.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sarhad.errors import SarhadError
from sarhad.simulate.engine import MECHANISMS, Simulator, run_draws
from sarhad.simulate.results import OUTCOMES, outcomes


def _check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise SarhadError(f"unknown outcome {outcome!r}; choose one of {', '.join(OUTCOMES)}")


def decompose(sim: Simulator, policy: str, *, outcome: str = "ttp_fatalities", runs: int = 2000,
              months: int = 24, seed: int = 0,
              versus: str | None = None) -> list[dict[str, Any]]:
    """Contribution of each mechanism to ``outcome`` under ``policy`` (or to the difference
    ``policy - versus``), by switching it off on common random numbers.

    Rows: mechanism, the mean outcome (or difference) with everything on and with the mechanism
    off, the contribution (on - off) with a 90% interval of its per-run values, sorted by size;
    a last row ``(interactions)`` holds what the one-at-a-time contributions leave unexplained
    relative to switching all listed mechanisms off."""
    _check_outcome(outcome)
    d = sim.draw(runs, months, seed)
    urban = sim.ctx.urban
    pols = [policy] + ([versus] if versus else [])
    levers = [sim.levers(p, d) for p in pols]

    def value(overrides: dict[str, float]) -> np.ndarray:
        vals = [outcomes(run_draws(sim.spec, sim.baseline, sim.ctx, lv, d, overrides=overrides),
                         urban)[outcome] for lv in levers]
        return vals[0] - vals[1] if versus else vals[0]

    full = value({})
    rows: list[dict[str, Any]] = []
    all_off: dict[str, float] = {}
    for name, neutral in MECHANISMS.items():
        off = value(neutral)
        all_off.update(neutral)
        contrib = full - off
        lo, hi = np.quantile(contrib, [0.05, 0.95])
        rows.append({"mechanism": name, "on": float(full.mean()), "off": float(off.mean()),
                     "contribution": float(contrib.mean()), "low": float(lo), "high": float(hi),
                     "share_runs_raised": float(np.mean(contrib > 0))})
    rows.sort(key=lambda r: -abs(r["contribution"]))
    none = value(all_off)
    rest = float((full - none).mean()) - sum(r["contribution"] for r in rows)
    rows.append({"mechanism": "(interactions)", "on": float(full.mean()),
                 "off": float(none.mean()), "contribution": rest, "low": None,
                 "high": None, "share_runs_raised": None})
    return rows


@dataclass
class Box:
    """A PRIM box: limits on some parameters, with its statistics."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    support: float
    base_rate: float


def prim(X: np.ndarray, fail: np.ndarray, names: list[str], *, alpha: float = 0.05,
         min_support: float = 0.05, min_coverage: float = 0.5, min_cut: float = 0.1) -> Box:
    """Patient Rule Induction Method, peeling only (Friedman & Fisher 1999).

    At each step, for every dimension, try removing the ``alpha`` share of the points in the
    box with the lowest (or highest) values; keep the peel that raises the failure rate in the
    box most; stop when the box would hold fewer than ``min_support`` of all points or no peel
    raises the rate. Of the boxes along this peeling trajectory, the one returned is the densest
    that still covers ``min_coverage`` of all failures (the coverage-density trade-off an analyst
    makes by hand in the EMA Workbench). Limits are reported for the dimensions whose limits alone
    exclude at least ``min_cut`` of the points, most restrictive first."""
    X = np.asarray(X, float)
    fail = np.asarray(fail, bool)
    n, k = X.shape
    if n < 20 or fail.sum() == 0:
        return Box({}, 0.0, 0.0, 1.0, float(fail.mean()) if n else 0.0)
    inside = np.ones(n, bool)
    lo = X.min(axis=0).copy()
    hi = X.max(axis=0).copy()
    rate = fail.mean()
    total_fail = fail.sum()
    chosen = (rate, lo.copy(), hi.copy(), inside.copy())
    while True:
        best = None
        cnt = inside.sum()
        if cnt * (1 - alpha) < min_support * n:
            break
        Xi, fi = X[inside], fail[inside]
        for j in range(k):
            col = Xi[:, j]
            if col.min() == col.max():
                continue
            ql, qh = np.quantile(col, [alpha, 1 - alpha])
            for side, keep in (("low", col > ql), ("high", col < qh)):
                m = keep.sum()
                if m == 0 or m == col.size or m < min_support * n:
                    continue
                r = fi[keep].mean()
                if best is None or r > best[0]:
                    best = (r, j, side, ql if side == "low" else qh)
        if best is None or best[0] <= rate + 1e-12:
            break
        rate, j, side, cut = best
        if side == "low":
            lo[j] = cut
            inside &= X[:, j] > cut
        else:
            hi[j] = cut
            inside &= X[:, j] < cut
        if fail[inside].sum() >= min_coverage * total_fail and rate > chosen[0]:
            chosen = (rate, lo.copy(), hi.copy(), inside.copy())
    _, lo, hi, inside = chosen
    full_lo, full_hi = X.min(axis=0), X.max(axis=0)
    # a limit that cuts off only a sliver of the range is peeling noise: report a dimension
    # only when its limits alone exclude at least ``min_cut`` of the points
    cut = {j: float(np.mean((X[:, j] <= lo[j]) & (lo[j] > full_lo[j])
                            | (X[:, j] >= hi[j]) & (hi[j] < full_hi[j]))) for j in range(k)}
    order = sorted((j for j in range(k) if cut[j] >= min_cut), key=lambda j: -cut[j])
    limits = {names[j]: (float(lo[j]), float(hi[j])) for j in order}
    return Box(limits=limits, coverage=float(fail[inside].sum() / fail.sum()),
               density=float(fail[inside].mean()), support=float(inside.mean()),
               base_rate=float(fail.mean()))


def discover(sim: Simulator, policy: str, *, outcome: str = "ttp_fatalities", runs: int = 4000,
             months: int = 24, seed: int = 0,
             failure: Literal["worse-than-status-quo", "above"] = "worse-than-status-quo",
             threshold: float | None = None, baseline_policy: str = "status-quo",
             higher_is_worse: bool = True) -> dict[str, Any]:
    """Where in the uncertainty space ``policy`` fails (scenario discovery).

    ``failure="worse-than-status-quo"``: run ``r`` fails when ``outcome`` is worse than under
    ``baseline_policy`` on the same draws; ``"above"``: when it passes ``threshold``."""
    _check_outcome(outcome)
    if failure == "above" and threshold is None:
        raise SarhadError("failure 'above' needs a threshold")
    d = sim.draw(runs, months, seed)
    urban = sim.ctx.urban
    y = outcomes(run_draws(sim.spec, sim.baseline, sim.ctx, sim.levers(policy, d), d),
                 urban)[outcome]
    if failure == "above":
        fail = y > threshold if higher_is_worse else y < threshold
    else:
        ref = outcomes(run_draws(sim.spec, sim.baseline, sim.ctx,
                                 sim.levers(baseline_policy, d), d), urban)[outcome]
        fail = y > ref if higher_is_worse else y < ref
    return discovery_report(sim.spec, d.params, fail, policy=policy, outcome=outcome,
                            failure=failure)


def discovery_report(spec: Any, params: dict[str, np.ndarray], fail: np.ndarray, *,
                     policy: str, outcome: str, failure: str) -> dict[str, Any]:
    """PRIM over the runs' parameter draws ``params`` for the failure flags ``fail``, as a
    report naming each limiting parameter with its reason and sources."""
    names = [n for n, v in params.items() if np.ptp(v) > 0]
    X = np.column_stack([params[n] for n in names])
    box = prim(X, fail, names)
    return {"policy": policy, "outcome": outcome, "failure": failure,
            "base_rate": box.base_rate, "coverage": box.coverage, "density": box.density,
            "support": box.support,
            "limits": [{"parameter": k, "low": v[0], "high": v[1],
                        "reason": spec.parameters[k].reason,
                        "cites": list(spec.parameters[k].cites)}
                       for k, v in box.limits.items()]}
