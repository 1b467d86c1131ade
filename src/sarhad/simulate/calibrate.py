"""Simulation-based calibration of the parameters that shape violence (ABC).

The historical run. From ``calibration.start`` (2007-01) to the origin the simulator's violence
kernel is run with the history the scenario records: sanctuary at ``sanctuary_before`` until the
Taliban takeover (kb event ``kabul-takeover``) and at its initial level after it (P04, P05), and
the 2021 cease-fire window (``ceasefire-2021``, P09):

    log mu_t = level + trend * t/12 + ar * log(1 + y_{t-1})
               + sanctuary_effect * sanctuary_t - ceasefire_effect * ceasefire_t
    y_t ~ NB2(mu_t, dispersion)   (gamma-Poisson)

Summaries (the statistics an auxiliary model gives, in the spirit of indirect inference,
Gourieroux, Monfort & Renault 1993): the least-squares coefficients of ``z_t = log(1 + y_t)`` on
``[1, t/12, z_{t-1}, after-takeover, cease-fire]``, the residual standard deviation and the mean of
``z`` in three eras. All are computed for thousands of simulated histories at once.

Approximate Bayesian computation by rejection (Pritchard et al. 1999) with the local-linear
regression adjustment of Beaumont, Zhang & Balding (2002): draw ``theta`` from the priors,
simulate, keep the ``accept`` share closest to the observed summaries (Euclidean distance after
scaling each summary by its median absolute deviation over the draws), then correct the kept
draws by the Epanechnikov-weighted regression of ``theta`` on the summaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sarhad.errors import SarhadError
from sarhad.kb.schema import Scenario
from sarhad.months import month_index, month_label
from sarhad.simulate.baseline import scenario_regimes
from sarhad.simulate.priors import Prior, SimulationSpec

KERNEL = ("level", "trend", "ar", "dispersion")


@dataclass(frozen=True)
class History:
    """The drivers of the historical run, one value per month."""

    months: list[str]
    sanctuary: np.ndarray
    ceasefire: np.ndarray
    takeover: np.ndarray


def history_drivers(spec: SimulationSpec, scenario: Scenario, end: str) -> History:
    """Sanctuary and cease-fire paths from ``calibration.start`` to ``end`` (inclusive)."""
    cal = _cal(spec)
    lo, hi = month_index(cal.start), month_index(end)
    if hi - lo < 24:
        raise SarhadError(f"calibration needs at least 24 months; {cal.start} to {end} is "
                          "too short")
    idx = np.arange(lo, hi + 1)
    regimes = {r[0]: r for r in scenario_regimes(scenario, [e.id for e in scenario.events
                                                            if e.kind in ("regime-change",
                                                                          "window")])}
    take = np.zeros(idx.size, bool)
    if "kabul-takeover" in regimes:
        take = idx >= month_index(regimes["kabul-takeover"][1])
    cf = np.zeros(idx.size, bool)
    if "ceasefire-2021" in regimes:
        _, a, b = regimes["ceasefire-2021"]
        cf = (idx >= month_index(a)) & (idx <= month_index(b or a))
    sanct = np.where(take, spec.initial.sanctuary.value, cal.sanctuary_before.value)
    return History([month_label(int(i)) for i in idx], sanct, cf.astype(float), take.astype(float))


def _cal(spec: SimulationSpec) -> Any:
    if spec.calibration is None:
        raise SarhadError("the scenario's simulation section has no 'calibration' settings")
    return spec.calibration


def simulate_history(theta: np.ndarray, names: tuple[str, ...], hist: History, y0: float,
                     rng: np.random.Generator) -> np.ndarray:
    """``(N, T)`` simulated monthly counts for parameter rows ``theta`` ``(N, len(names))``
    (pure array math; one pass over months, vectorised over draws)."""
    p = {n: theta[:, i] for i, n in enumerate(names)}
    N, T = theta.shape[0], len(hist.months)
    r = 1.0 / p["dispersion"]
    y = np.empty((N, T))
    prev = np.full(N, float(y0))
    for t in range(T):
        eta = (p["level"] + p["trend"] * t / 12.0 + p["ar"] * np.log1p(prev)
               + p["sanctuary_effect"] * hist.sanctuary[t]
               - p["ceasefire_effect"] * hist.ceasefire[t])
        mu = np.exp(np.minimum(eta, 15.0))
        lam = rng.gamma(r, mu / r)
        prev = rng.poisson(np.minimum(lam, 1e7)).astype(float)
        y[:, t] = prev
    return y


def summaries(y: np.ndarray, hist: History) -> np.ndarray:
    """``(N, 9)`` summaries of series ``y`` ``(N, T)``: least-squares coefficients of
    ``z_t`` on ``[1, t/12, z_{t-1}, after-takeover, cease-fire]``, residual sd and the mean of
    ``z`` in three equal eras."""
    y = np.atleast_2d(y)
    z = np.log1p(y)
    N, T = z.shape
    t = np.arange(1, T) / 12.0
    X = np.empty((N, T - 1, 5))
    X[:, :, 0] = 1.0
    X[:, :, 1] = t
    X[:, :, 2] = z[:, :-1]
    X[:, :, 3] = hist.takeover[1:]
    X[:, :, 4] = hist.ceasefire[1:]
    keep = [j for j in range(5) if j < 3 or X[0, :, j].std() > 0]
    X = X[:, :, keep]
    Y = z[:, 1:]
    XtX = np.einsum("ntk,ntl->nkl", X, X) + 1e-8 * np.eye(len(keep))
    XtY = np.einsum("ntk,nt->nk", X, Y)
    beta = np.linalg.solve(XtX, XtY[..., None])[..., 0]
    resid = Y - np.einsum("ntk,nk->nt", X, beta)
    sd = resid.std(axis=1)
    eras = np.array_split(np.arange(T), 3)
    means = np.column_stack([z[:, e].mean(axis=1) for e in eras])
    return np.column_stack([beta, sd, means])


@dataclass
class Posterior:
    """ABC result: accepted (adjusted) draws and the tables beside the priors."""

    names: tuple[str, ...]
    draws: np.ndarray               # (accepted, k) adjusted draws
    raw: np.ndarray                 # (accepted, k) unadjusted accepted draws
    priors: dict[str, Prior]
    observed: np.ndarray
    tolerance: float
    n_sims: int

    def as_dict(self) -> dict[str, np.ndarray]:
        return {n: self.draws[:, i] for i, n in enumerate(self.names)}

    def table(self, level: float = 0.9) -> list[dict[str, Any]]:
        q = ((1 - level) / 2, 0.5, (1 + level) / 2)
        rows = []
        for i, n in enumerate(self.names):
            plo, phi = self.priors[n].interval(level)
            lo, med, hi = np.quantile(self.draws[:, i], q)
            rows.append({"parameter": n, "prior": self.priors[n].describe(), "prior_low": plo,
                         "prior_high": phi, "posterior_median": float(med),
                         "posterior_low": float(lo), "posterior_high": float(hi),
                         "shrinkage": float(1 - (hi - lo) / (phi - plo)) if phi > plo else 0.0})
        return rows

    def simulator_posterior(self, calibrated: list[str]) -> dict[str, np.ndarray]:
        """The draws of the simulator's own parameters (for ``Simulator.run(posterior=...)``)."""
        return {n: self.draws[:, self.names.index(n)] for n in calibrated}


class ABCCalibrator:
    """ABC rejection with regression adjustment for the violence kernel.

    Settings in the constructor, data in :meth:`fit`::

        cal = ABCCalibrator(spec, scenario, n_sims=20000, accept=0.02).fit(y, start_month="2007-01")
        cal.posterior_.table()
    """

    def __init__(self, spec: SimulationSpec, scenario: Scenario, *, n_sims: int = 20000,
                 accept: float = 0.02, adjust: bool = True) -> None:
        if n_sims < 100:
            raise SarhadError(f"n_sims must be at least 100, got {n_sims}")
        if not 0 < accept <= 0.5:
            raise SarhadError(f"accept must be in (0, 0.5], got {accept}")
        self.spec, self.scenario = spec, scenario
        self.n_sims, self.accept, self.adjust = int(n_sims), float(accept), adjust

    def priors(self) -> dict[str, Prior]:
        cal = _cal(self.spec)
        out = {n: getattr(cal.kernel, n).prior for n in KERNEL}
        for n in cal.calibrated:
            out[n] = self.spec.parameters[n].prior
        return out

    def fit(self, y: np.ndarray, *, start_month: str, rng: np.random.Generator) -> ABCCalibrator:
        """Calibrate to the observed monthly series ``y`` starting at ``start_month``."""
        y = np.asarray(y, dtype=float)
        if y.ndim != 1 or np.any(y < 0) or not np.all(np.isfinite(y)):
            raise SarhadError("y must be a 1-d series of non-negative monthly counts")
        end = month_label(month_index(start_month) + len(y) - 1)
        if start_month != _cal(self.spec).start:
            raise SarhadError(f"the series starts {start_month}; calibration starts "
                              f"{_cal(self.spec).start}")
        hist = history_drivers(self.spec, self.scenario, end)
        priors = self.priors()
        names = tuple(priors)
        theta = np.column_stack([priors[n].sample(self.n_sims, rng) for n in names])
        sims = simulate_history(theta, names, hist, y[0], rng)
        S = summaries(sims, hist)
        s_obs = summaries(y[None, :], hist)[0]
        post = abc_select(theta, S, s_obs, accept=self.accept, adjust=self.adjust)
        lo = np.array([_lower(priors[n]) for n in names])
        hi = np.array([_upper(priors[n]) for n in names])
        adj = np.clip(post[0], lo, hi)
        self.history_ = hist
        self.posterior_ = Posterior(names, adj, post[1], priors, s_obs, post[2], self.n_sims)
        return self


def posterior_record(cal: ABCCalibrator, *, seed: int | None = None) -> dict[str, Any]:
    """What ``sarhad calibrate --out`` writes and ``--posterior`` reads: the simulator's
    calibrated parameters' draws, the kernel's draws, the table and the settings."""
    post = cal.posterior_
    calibrated = list(_cal(cal.spec).calibrated)
    return {"parameters": {k: v.tolist() for k, v in
                           post.simulator_posterior(calibrated).items()},
            "kernel": {k: post.as_dict()[k].tolist() for k in post.names
                       if k not in calibrated},
            "table": post.table(), "sims": cal.n_sims, "accept": cal.accept, "seed": seed}


def write_posterior(cal: ABCCalibrator, path: Path, *, seed: int | None = None) -> Path:
    """Write :func:`posterior_record` as JSON, whole or not at all (a temporary file renamed);
    missing parent directories are created."""
    import json

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(posterior_record(cal, seed=seed), indent=1), encoding="utf-8")
        tmp.replace(path)
    except OSError as err:
        raise SarhadError(f"{path}: cannot write ({err.strerror})") from None
    return path


def _lower(p: Prior) -> float:
    return {"uniform": p.low, "beta": 0.0, "lognormal": 0.0}.get(p.dist, -np.inf)  # type: ignore[return-value]


def _upper(p: Prior) -> float:
    return {"uniform": p.high, "beta": 1.0}.get(p.dist, np.inf)  # type: ignore[return-value]


def abc_select(theta: np.ndarray, S: np.ndarray, s_obs: np.ndarray, *, accept: float,
               adjust: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
    """Rejection ABC with optional local-linear adjustment (Beaumont et al. 2002).

    ``d_i = ||(S_i - s_obs) / MAD||``; keep the ``accept`` share with the smallest ``d``; with
    Epanechnikov weights ``w_i = 1 - (d_i / eps)^2`` regress ``theta`` on ``S - s_obs`` and
    return ``theta_i - B' (S_i - s_obs)``. Returns ``(adjusted, accepted, eps)``."""
    ok = np.all(np.isfinite(S), axis=1)
    theta, S = theta[ok], S[ok]
    mad = np.median(np.abs(S - np.median(S, axis=0)), axis=0)
    mad = np.where(mad > 0, mad, 1.0)
    D = (S - s_obs) / mad
    d = np.sqrt(np.sum(D * D, axis=1))
    k = max(int(round(accept * len(d))), 10)
    idx = np.argsort(d)[:k]
    eps = float(d[idx[-1]]) if d[idx[-1]] > 0 else 1.0
    acc = theta[idx]
    if not adjust:
        return acc, acc, eps
    w = 1.0 - (d[idx] / eps) ** 2
    w = np.clip(w, 1e-6, None)
    Xd = np.column_stack([np.ones(k), D[idx]])
    W = w[:, None]
    coef, *_ = np.linalg.lstsq(Xd * np.sqrt(W), acc * np.sqrt(W), rcond=None)
    adj = acc - D[idx] @ coef[1:]
    return adj, acc, eps


def calibrate(scenario: Scenario, *, db: Any = None, n_sims: int = 20000, accept: float = 0.02,
              seed: int = 0) -> ABCCalibrator:
    """Calibrate on the event store (bundled data by default) from ``calibration.start`` to the
    simulation origin."""
    from sarhad.panels import monthly_series
    from sarhad.simulate.priors import load_spec
    from sarhad.store import open_store

    spec = load_spec(scenario)
    cal = _cal(spec)
    store = open_store(db, read_only=True) if db is not None else open_store()
    ys = monthly_series(store, actor=spec.violence.actor, start=cal.start, end=spec.origin,
                        scenario=scenario)
    y = ys["value"].to_numpy().astype(float)
    return ABCCalibrator(spec, scenario, n_sims=n_sims, accept=accept).fit(
        y, start_month=cal.start, rng=np.random.default_rng(seed))
