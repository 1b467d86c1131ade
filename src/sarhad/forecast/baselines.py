"""Naive baselines: the forecasts any model must beat to be worth its complexity.

Each is a forecaster with the shared interface (:mod:`sarhad.forecast.base`). They follow the
ViEWS evaluation protocol's habit of scoring models against no-change and recent-history
references (Hegre et al. 2019, *J. Peace Research* 56(2); Vesco et al. 2022, *Int. Interactions*
48(4)).

- :class:`Zero` — every month 0.
- :class:`LastValue` — every month equals the origin month (a point mass; its CRPS is the
  absolute error).
- :class:`PoissonMean` — Poisson(mean of the last ``window`` months), independent months.
- :class:`Bootstrap` — each month an independent draw, with replacement, from the last
  ``window`` observed months.
- :class:`NegBinWindow` — a negative binomial NB2 with constant mean fitted by maximum likelihood
  to the last ``window`` months (36 by default), independent months.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

from sarhad.forecast.base import BaseForecaster


class Zero(BaseForecaster):
    """Forecasts 0 every month."""

    name = "zero"

    def _fit(self, y: np.ndarray) -> None:
        pass

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        return np.zeros((draws, horizon), dtype=np.int64)


class LastValue(BaseForecaster):
    """No change: every future month equals the last observed month."""

    name = "last"

    def _fit(self, y: np.ndarray) -> None:
        self.value_ = int(y[-1])

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        return np.full((draws, horizon), self.value_, dtype=np.int64)


class PoissonMean(BaseForecaster):
    """Poisson around the recent mean: :math:`Y_{t+h} \\sim \\mathrm{Poisson}(\\bar y)`, with
    :math:`\\bar y` the mean of the last ``window`` months."""

    name = "poisson12"

    def __init__(self, *, window: int = 12):
        self.window = window
        self.name = f"poisson{window}"

    def _fit(self, y: np.ndarray) -> None:
        self.mean_ = float(y[-self.window:].mean())

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        return rng.poisson(self.mean_, size=(draws, horizon))


class Bootstrap(BaseForecaster):
    """Each future month is drawn with replacement from the last ``window`` observed months."""

    name = "bootstrap12"

    def __init__(self, *, window: int = 12):
        self.window = window
        self.name = f"bootstrap{window}"

    def _fit(self, y: np.ndarray) -> None:
        self.pool_ = y[-self.window:].copy()

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        idx = rng.integers(0, len(self.pool_), size=(draws, horizon))
        return self.pool_[idx]


def negbin_mle(y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood NB2 fit with a constant mean: returns ``(mu, alpha)``.

    NB2: :math:`P(y) = \\frac{\\Gamma(y+r)}{\\Gamma(r)\\,y!} \\left(\\frac{r}{r+\\mu}\\right)^r
    \\left(\\frac{\\mu}{r+\\mu}\\right)^y`, :math:`r = 1/\\alpha`, variance
    :math:`\\mu + \\alpha\\mu^2` (Cameron & Trivedi 2013, §3.3). With a constant mean the score
    equation for :math:`\\mu` gives :math:`\\hat\\mu = \\bar y` whatever :math:`r`, so only
    :math:`\\log r` is searched (profile likelihood). ``alpha = 0`` (Poisson) when the sample is
    not overdispersed, since then the likelihood increases all the way to :math:`r \\to \\infty`.
    """
    y = np.asarray(y, dtype=float)
    mu = float(y.mean())
    if mu == 0.0 or y.var() <= mu:
        return mu, 0.0

    def nll(log_r: float) -> float:
        r = np.exp(log_r)
        ll = (special.gammaln(y + r) - special.gammaln(r)
              + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu)))
        return -float(ll.sum())

    res = optimize.minimize_scalar(nll, bounds=(-12.0, 12.0), method="bounded",
                                   options={"xatol": 1e-8})
    return mu, float(np.exp(-res.x))


def sample_negbin(mu: np.ndarray | float, alpha: np.ndarray | float, size: tuple[int, ...],
                  rng: np.random.Generator) -> np.ndarray:
    """Draws from NB2(mean ``mu``, dispersion ``alpha``) as a gamma–Poisson mixture; ``alpha = 0``
    is Poisson. The mixture form vectorises over arrays of ``mu`` and ``alpha``."""
    mu = np.broadcast_to(np.asarray(mu, dtype=float), size)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), size)
    pos = alpha > 0
    lam = mu.copy()
    if np.any(pos):
        shape = 1.0 / alpha[pos]
        lam[pos] = rng.gamma(shape, mu[pos] / shape)
    return rng.poisson(lam)


class NegBinWindow(BaseForecaster):
    """Negative binomial (NB2) with constant mean, fitted by ML to the last ``window`` months;
    future months independent. See :func:`negbin_mle`."""

    name = "negbin36"

    def __init__(self, *, window: int = 36):
        self.window = window
        self.name = f"negbin{window}"

    def _fit(self, y: np.ndarray) -> None:
        self.mu_, self.alpha_ = negbin_mle(y[-self.window:])

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        return sample_negbin(self.mu_, self.alpha_, (draws, horizon), rng)


def default_baselines() -> list[BaseForecaster]:
    """The five baselines of the evaluation protocol, in table order."""
    return [Zero(), LastValue(), PoissonMean(window=12), Bootstrap(window=12),
            NegBinWindow(window=36)]
