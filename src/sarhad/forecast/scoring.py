"""Proper scores for sample-based forecasts of counts, after the ViEWS evaluation protocol.

All scores are computed case by case (one case = one forecast of one month from one origin) from
the forecast's draws, vectorised over cases: ``samples`` has shape ``(n_cases, draws)``, ``y``
shape ``(n_cases,)``. Every score here is negatively oriented (lower is better).

- **CRPS** — :math:`\\mathrm{CRPS}(F, y) = E|X-y| - \\tfrac12 E|X-X'|` (Gneiting & Raftery 2007,
  eq. 21), estimated from the :math:`m` draws by the *fair* estimator :math:`\\frac1m\\sum_i|x_i-y|
  - \\frac{1}{2m(m-1)}\\sum_{i,j}|x_i-x_j|`, unbiased for the CRPS of the distribution the draws
  come from (Ferro 2014, *QJRMS* 140). It is computed by ``scoringrules.crps_ensemble`` with
  ``estimator="pwm"`` (probability weighted moments, numpy backend), which equals the fair
  estimator exactly (Zamo & Naveau 2018, *Math. Geosci.* 50) but sorts instead of forming all
  :math:`m^2` pairs.
- **Log score on bins** — the ViEWS fatality bins 0, 1–2, 3–5, 6–10, 11–25, 26–50, 51–100,
  101–250, 251–500, 501–1000, >1000. The bin probability is the share of draws in the bin with a
  floor for empty bins: :math:`p_k = (n_k + 1/K)/(m + 1)` with :math:`K = 11` bins, i.e. one extra
  pseudo-draw spread evenly over the bins, so an outcome in an empty bin costs
  :math:`\\log(K(m+1))` rather than infinity. Score: :math:`-\\log p_{k(y)}`.
- **Interval score** of the central :math:`(1-\\alpha)` interval :math:`[l, u]`:
  :math:`(u-l) + \\frac2\\alpha(l-y)1\\{y<l\\} + \\frac2\\alpha(y-u)1\\{y>u\\}` (Gneiting &
  Raftery 2007, eq. 43), for :math:`\\alpha` = 0.5, 0.2, 0.05; the bounds are the
  inverted-CDF sample quantiles :math:`l = \\min\\{x: \\hat F(x) \\ge \\alpha/2\\}`,
  :math:`u = \\min\\{x: \\hat F(x) \\ge 1-\\alpha/2\\}`; coverage is :math:`1\\{l \\le y \\le u\\}`.
- **Brier score** for the events :math:`y > 0` and :math:`y \\ge 25`:
  :math:`(\\hat p - 1\\{\\text{event}\\})^2` with :math:`\\hat p` the share of draws in the event.
- **Randomised PIT** for integer outcomes (Czado, Gneiting & Held 2009, *Biometrics* 65):
  :math:`u = \\hat F(y-1) + v\\,(\\hat F(y) - \\hat F(y-1))`, :math:`v \\sim U(0,1)`; uniform
  when the forecast is calibrated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BIN_UPPER = np.array([0, 2, 5, 10, 25, 50, 100, 250, 500, 1000])
BIN_LABELS = ("0", "1-2", "3-5", "6-10", "11-25", "26-50", "51-100", "101-250", "251-500",
              "501-1000", ">1000")
N_BINS = len(BIN_LABELS)
INTERVAL_LEVELS = (50, 80, 95)
BRIER_EVENTS: dict[str, tuple[str, int]] = {"brier_gt0": (">", 0), "brier_ge25": (">=", 25)}
MIN_BOOTSTRAP_N = 12
SCORE_NAMES = ("crps", "log_bins", "is50", "is80", "is95", "cov50", "cov80", "cov95",
               "brier_gt0", "brier_ge25")


def _as_cases(samples: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(samples)
    obs = np.asarray(y)
    if s.ndim == 1:
        s = s[None, :]
    if obs.ndim == 0:
        obs = obs[None]
    if s.ndim != 2 or obs.shape != (s.shape[0],):
        raise ValueError(f"samples {s.shape} and outcomes {obs.shape} do not line up: expected "
                         "(n_cases, draws) and (n_cases,)")
    return s, obs


def crps(samples: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CRPS per case: the fair estimator, computed as ``scoringrules``' PWM form (see module
    docstring)."""
    import scoringrules as sr  # compiles numba kernels on import: keep it lazy

    s, obs = _as_cases(samples, y)
    return np.asarray(sr.crps_ensemble(obs.astype(float), s.astype(float), estimator="pwm",
                                       backend="numpy"))


def bin_index(y: np.ndarray) -> np.ndarray:
    """ViEWS fatality bin of each value (0 for 0, 1 for 1–2, ..., 10 for >1000)."""
    return np.searchsorted(BIN_UPPER, np.asarray(y), side="left")


def bin_probabilities(samples: np.ndarray) -> np.ndarray:
    """Floored bin probabilities, shape ``(n_cases, 11)``: :math:`(n_k + 1/K)/(m+1)`."""
    s = np.atleast_2d(samples)
    m = s.shape[1]
    idx = bin_index(s)
    counts = np.zeros((s.shape[0], N_BINS))
    np.add.at(counts, (np.repeat(np.arange(s.shape[0]), m), idx.ravel()), 1.0)
    return (counts + 1.0 / N_BINS) / (m + 1.0)


def log_score_bins(samples: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Negative log probability of the outcome's bin (floored; see module docstring)."""
    s, obs = _as_cases(samples, y)
    p = bin_probabilities(s)
    return -np.log(p[np.arange(len(obs)), bin_index(obs)])


def central_interval(samples: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the central ``level`` % interval (inverted-CDF quantiles), per case."""
    a = 1.0 - level / 100.0
    s = np.atleast_2d(samples)
    lo = np.quantile(s, a / 2.0, axis=1, method="inverted_cdf")
    hi = np.quantile(s, 1.0 - a / 2.0, axis=1, method="inverted_cdf")
    return lo, hi


def interval_score(lo: np.ndarray, hi: np.ndarray, y: np.ndarray, level: int) -> np.ndarray:
    """Gneiting–Raftery interval score of the central ``level`` % interval ``[lo, hi]``."""
    a = 1.0 - level / 100.0
    y = np.asarray(y, dtype=float)
    return ((hi - lo) + (2.0 / a) * np.maximum(lo - y, 0.0)
            + (2.0 / a) * np.maximum(y - hi, 0.0))


def event_probability(samples: np.ndarray, event: str) -> np.ndarray:
    op, k = BRIER_EVENTS[event]
    s = np.atleast_2d(samples)
    return (s > k).mean(axis=1) if op == ">" else (s >= k).mean(axis=1)


def event_outcome(y: np.ndarray, event: str) -> np.ndarray:
    op, k = BRIER_EVENTS[event]
    y = np.asarray(y)
    return (y > k) if op == ">" else (y >= k)


def brier(p: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    return (np.asarray(p, dtype=float) - np.asarray(outcome, dtype=float)) ** 2


def randomized_pit(samples: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Randomised PIT of integer outcomes (Czado, Gneiting & Held 2009)."""
    s, obs = _as_cases(samples, y)
    f_below = (s < obs[:, None]).mean(axis=1)
    f_at = (s <= obs[:, None]).mean(axis=1)
    return f_below + rng.uniform(size=len(obs)) * (f_at - f_below)


def score_cases(samples: np.ndarray, y: np.ndarray, *,
                rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every score of the protocol for each case, plus the randomised PIT and the Brier
    forecast probabilities (``p_gt0``, ``p_ge25``) used for reliability diagrams."""
    s, obs = _as_cases(samples, y)
    out: dict[str, np.ndarray] = {"crps": crps(s, obs), "log_bins": log_score_bins(s, obs)}
    for level in INTERVAL_LEVELS:
        lo, hi = central_interval(s, level)
        out[f"is{level}"] = interval_score(lo, hi, obs, level)
        out[f"cov{level}"] = ((lo <= obs) & (obs <= hi)).astype(float)
    for event in BRIER_EVENTS:
        p = event_probability(s, event)
        out[event] = brier(p, event_outcome(obs, event))
        out["p_" + event.removeprefix("brier_")] = p
    out["pit"] = randomized_pit(s, obs, rng)
    return out


# ---------------------------------------------------------------- summaries ----------------------

def block_bootstrap_mean(d: np.ndarray, *, block: int, reps: int = 2000, alpha: float = 0.1,
                         rng: np.random.Generator) -> tuple[float, float, float]:
    """Mean of a time-ordered series and its moving-block bootstrap percentile interval.

    Künsch (1989, *Ann. Stat.* 17): resample :math:`\\lceil n/L\\rceil` overlapping blocks of
    length :math:`L` with uniformly drawn starts, concatenate, cut to :math:`n`, take the mean;
    the :math:`(1-\\alpha)` interval is the :math:`\\alpha/2` and :math:`1-\\alpha/2` quantiles of
    the resampled means. Blocks keep the serial dependence of score differences between
    overlapping forecast windows (a horizon-:math:`h` forecast shares :math:`h-1` months with its
    neighbour), which an i.i.d. bootstrap would ignore and so make intervals too narrow.
    The block is shortened to a third of the series if needed; with fewer than
    :data:`MIN_BOOTSTRAP_N` values no interval is given (NaN bounds).
    """
    d = np.asarray(d, dtype=float)
    n = len(d)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    if n < MIN_BOOTSTRAP_N:
        # too few origins for the resampled means to say anything: no interval
        return float(d.mean()), float("nan"), float("nan")
    # at least three blocks fit in the series, or every resample would repeat it
    block = max(1, min(int(block), n // 3))
    n_blocks = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(reps, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)).reshape(reps, -1)[:, :n]
    means = d[idx].mean(axis=1)
    lo, hi = np.quantile(means, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(d.mean()), float(lo), float(hi)


def pit_histogram(pit: np.ndarray, *, bins: int = 10) -> list[dict[str, Any]]:
    """Share of PIT values per equal-width bin (a calibrated forecast gives 1/bins each)."""
    counts, edges = np.histogram(np.asarray(pit), bins=bins, range=(0.0, 1.0))
    total = max(int(counts.sum()), 1)
    return [{"lo": float(edges[i]), "hi": float(edges[i + 1]), "share": counts[i] / total,
             "n": int(counts[i])} for i in range(bins)]


def reliability(p: np.ndarray, outcome: np.ndarray, *, bins: int = 10) -> list[dict[str, Any]]:
    """Reliability diagram rows: forecast-probability bins, mean forecast, observed frequency."""
    p = np.asarray(p, dtype=float)
    o = np.asarray(outcome, dtype=float)
    k = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        sel = k == b
        if sel.any():
            rows.append({"bin": b, "forecast": float(p[sel].mean()),
                         "observed": float(o[sel].mean()), "n": int(sel.sum())})
    return rows
