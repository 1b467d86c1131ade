"""Ensembles whose weights come from backtest scores, not from judgement: CRPS stacking.

A mixture :math:`F_w = \\sum_k w_k F_k` of forecasters has, for one outcome :math:`y`,

.. math::  \\mathrm{CRPS}(F_w, y) = \\sum_k w_k E|X_k - y|
           - \\tfrac12 \\sum_{k,l} w_k w_l E|X_k - X_l|

with :math:`X_k \\sim F_k` independent (Gneiting & Raftery 2007, eq. 21, applied to a mixture).
Averaged over past cases this is :math:`w^\\top a - \\tfrac12 w^\\top B w`, and because
:math:`E|X-Y|` is a conditionally negative definite kernel, it is convex on the simplex. The
stacking weights minimise it over the simplex (Yao, Vehtari, Simpson & Gelman 2018, *Bayesian
Analysis* 13, with the CRPS in place of the log score). :math:`a` and :math:`B` come only from
forecasts whose outcomes were known at the origin being forecast.

Sampling from the mixture keeps whole paths: draw :math:`d` of the ensemble is draw :math:`d` of
the component picked for it, so sums and maxima over a window stay coherent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
from scipy import optimize

from sarhad.errors import SarhadError
from sarhad.forecast.base import BaseForecaster, Forecaster, clone


def mean_abs_to_obs(samples: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:math:`\\frac1m\\sum_i |x_i - y|` per case; ``samples`` ``(cases, m)``."""
    return np.abs(samples - np.asarray(y)[:, None]).mean(axis=1)


def mean_abs_within(samples: np.ndarray) -> np.ndarray:
    """Unbiased :math:`E|X-X'|` per case from one sample: :math:`\\frac{2}{m(m-1)}
    \\sum_i (2i - m - 1) x_{(i)}` over the sorted draws."""
    s = np.sort(samples, axis=1).astype(float)
    m = s.shape[1]
    coef = 2.0 * np.arange(1, m + 1) - m - 1.0
    return 2.0 * (s @ coef) / (m * (m - 1.0))


def crps_terms(samples: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-case stacking terms: ``a`` ``(cases, K)`` with :math:`E|X_k-y|` and ``B``
    ``(cases, K, K)`` with :math:`E|X_k-X_l|`.

    ``samples`` is ``(K, cases, m)`` with components drawn independently, so pairing draw
    :math:`i` of :math:`k` with draw :math:`i` of :math:`l` gives an unbiased estimate of
    :math:`E|X_k - X_l|` for :math:`k \\ne l`; the diagonal uses :func:`mean_abs_within`.
    """
    K, n, _ = samples.shape
    a = np.stack([mean_abs_to_obs(samples[k], y) for k in range(K)], axis=1)
    B = np.zeros((n, K, K))
    for k in range(K):
        B[:, k, k] = mean_abs_within(samples[k])
        for j in range(k + 1, K):
            B[:, k, j] = B[:, j, k] = np.abs(samples[k] - samples[j]).mean(axis=1)
    return a, B


def stacking_weights(a: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Simplex weights minimising :math:`w^\\top a - \\tfrac12 w^\\top B w` (mean mixture CRPS).

    ``a`` ``(K,)`` and ``B`` ``(K, K)`` are means over past cases. Solved by SLSQP from equal
    weights; tiny weights (< 1e-6) are set to zero and the rest renormalised.
    """
    K = len(a)
    if K == 1:
        return np.ones(1)

    def f(w: np.ndarray) -> tuple[float, np.ndarray]:
        return float(w @ a - 0.5 * w @ B @ w), a - B @ w

    res = optimize.minimize(f, np.full(K, 1.0 / K), jac=True, method="SLSQP",
                            bounds=[(0.0, 1.0)] * K,
                            constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0,
                                          "jac": lambda w: np.ones_like(w)}],
                            options={"ftol": 1e-12, "maxiter": 200})
    w = np.clip(res.x, 0.0, None)
    w[w < 1e-6] = 0.0
    return w / w.sum()


def mix_paths(samples: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mixture draws from component paths ``samples`` ``(K, draws, horizon)``: each draw picks a
    component with probability ``weights`` and keeps that component's path."""
    K, draws, _ = samples.shape
    comp = rng.choice(K, size=draws, p=weights)
    return samples[comp, np.arange(draws), :]


class StackingEnsemble(BaseForecaster):
    """A CRPS-stacked mixture of forecasters (see the module docstring for the formula).

    At :meth:`fit` it runs a small rolling backtest of its components on the series itself:
    origins in the last ``lookback`` months before the end of ``y``, horizons
    ``1..weight_horizon`` whose outcome month lies inside ``y``, each component refitted on the
    data up to that origin with ``weight_draws`` draws. The weights minimise the mixture's mean
    CRPS over those cases, and the components are then refitted on all of ``y``. The rolling
    backtest
    (:func:`sarhad.forecast.backtest.run_backtest`) computes the same weights from its own
    stored component forecasts instead, with the same function (:func:`stacking_weights`) over
    the same kind of window.
    """

    name = "ensemble"

    def __init__(self, components: Sequence[Forecaster], *, lookback: int = 60,
                 weight_horizon: int = 12, weight_draws: int = 300, seed: int = 0,
                 min_cases: int = 12):
        if not components:
            raise SarhadError("an ensemble needs at least one component forecaster")
        names = [c.name for c in components]
        if len(set(names)) != len(names):
            raise SarhadError(f"ensemble components need distinct names, got {names}")
        self.components = list(components)
        self.lookback = lookback
        self.weight_horizon = weight_horizon
        self.weight_draws = weight_draws
        self.seed = seed
        self.min_cases = min_cases

    def fit(self, y: np.ndarray, *, start_month: str) -> Self:
        super().fit(y, start_month=start_month)
        return self

    def _fit(self, y: np.ndarray) -> None:
        from sarhad.forecast.backtest import component_forecasts

        n = len(y)
        H = self.weight_horizon
        # origins (as lengths of the history) whose forecasts could be scored inside y
        # the same window as the rolling backtest: origins up to ``lookback`` months back,
        # cases whose outcome month is inside y
        ends = range(max(24, n - self.lookback), n)
        K = len(self.components)
        a_list, B_list = [], []
        for end in ends:
            h_max = min(H, n - end)
            if h_max < 1:
                continue
            s = component_forecasts(y[:end], self.start_month_, self.components, h_max,
                                    self.weight_draws, self.seed, end)
            obs = y[end:end + h_max]
            # cases are (horizon) columns: reshape to (K, h_max, draws)
            a, B = crps_terms(np.transpose(s, (0, 2, 1)).astype(float), obs)
            a_list.append(a)
            B_list.append(B)
        if a_list and sum(len(a) for a in a_list) >= self.min_cases:
            a_all = np.concatenate(a_list)
            B_all = np.concatenate(B_list)
            self.weights_ = stacking_weights(a_all.mean(axis=0), B_all.mean(axis=0))
            self.n_weight_cases_ = len(a_all)
        else:
            self.weights_ = np.full(K, 1.0 / K)
            self.n_weight_cases_ = 0
        self.fitted_components_ = [clone(c).fit(y, start_month=self.start_month_)
                                   for c in self.components]

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        children = rng.spawn(len(self.fitted_components_) + 1)
        paths = np.stack([c.sample(horizon, draws=draws, rng=g)
                          for c, g in zip(self.fitted_components_, children[:-1], strict=True)])
        return mix_paths(paths, self.weights_, children[-1])

    def weights_table(self) -> list[dict[str, float | str]]:
        return [{"forecaster": c.name, "weight": float(w)}
                for c, w in zip(self.components, self.weights_, strict=True)]
