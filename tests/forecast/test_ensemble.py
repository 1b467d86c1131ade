"""CRPS stacking: the mixture-CRPS identity, the optimiser against brute force, and recovery of
the right component."""

from __future__ import annotations

import numpy as np
import pytest

from sarhad.forecast import scoring
from sarhad.forecast.baselines import Bootstrap, PoissonMean, Zero
from sarhad.forecast.ensemble import (
    StackingEnsemble,
    crps_terms,
    mean_abs_within,
    mix_paths,
    stacking_weights,
)


def test_mean_abs_within_is_unbiased_pair_mean() -> None:
    rng = np.random.default_rng(0)
    x = rng.poisson(9, (3, 25))
    direct = np.abs(x[:, :, None] - x[:, None, :]).sum(axis=(1, 2)) / (25 * 24)
    np.testing.assert_allclose(mean_abs_within(x), direct)


def test_mixture_crps_identity() -> None:
    """w'a - w'Bw/2 from the stacking terms equals the CRPS of a large mixture sample."""
    rng = np.random.default_rng(1)
    m = 20000
    comps = np.stack([rng.poisson(5, (1, m)), rng.poisson(30, (1, m)),
                      rng.negative_binomial(2, 0.1, (1, m))]).astype(float)
    y = np.array([12])
    a, B = crps_terms(comps, y)
    w = np.array([0.2, 0.5, 0.3])
    formula = float(w @ a[0] - 0.5 * w @ B[0] @ w)
    mixture = mix_paths(comps.transpose(0, 2, 1).reshape(3, m, 1), w, rng)[:, 0]
    assert scoring.crps(mixture[None, :], y)[0] == pytest.approx(formula, rel=0.02)


def test_stacking_weights_match_brute_force_for_two_components() -> None:
    rng = np.random.default_rng(2)
    n, m = 200, 300
    truth = rng.gamma(3.0, 5.0, n)
    y = rng.poisson(truth)
    comps = np.stack([rng.poisson(truth[:, None] * 0.7, (n, m)),
                      rng.poisson(truth[:, None] * 1.4, (n, m))]).astype(float)
    a, B = crps_terms(comps, y)
    w = stacking_weights(a.mean(0), B.mean(0))
    grid = np.linspace(0, 1, 2001)
    vals = [np.array([g, 1 - g]) @ a.mean(0) - 0.5 * np.array([g, 1 - g]) @ B.mean(0)
            @ np.array([g, 1 - g]) for g in grid]
    assert w[0] == pytest.approx(grid[int(np.argmin(vals))], abs=2e-3)
    assert 0.2 < w[0] < 0.8  # biased low and high: the mix beats both


def test_stacking_puts_weight_on_the_true_model() -> None:
    rng = np.random.default_rng(3)
    n, m = 300, 300
    mu = rng.gamma(2.0, 10.0, n)
    y = rng.poisson(mu)
    comps = np.stack([rng.poisson(mu[:, None], (n, m)),         # the truth
                      rng.poisson(mu.mean(), (n, m)),           # climatology
                      np.zeros((n, m))]).astype(float)          # zero
    a, B = crps_terms(comps, y)
    w = stacking_weights(a.mean(0), B.mean(0))
    assert w[0] > 0.9 and w[2] < 0.03
    assert w.sum() == pytest.approx(1.0)


def test_stacking_ensemble_learns_from_its_own_past() -> None:
    """On a series with a steady level, Poisson-around-the-mean beats forecasting zero; the
    ensemble's inner backtest must find that."""
    rng = np.random.default_rng(4)
    y = rng.poisson(20, 120)
    ens = StackingEnsemble([Zero(), PoissonMean(window=12), Bootstrap(window=12)], lookback=24,
                           weight_draws=200, seed=1).fit(y, start_month="2010-01")
    w = dict(zip([c.name for c in ens.components], ens.weights_, strict=True))
    assert w["zero"] < 0.01
    assert ens.n_weight_cases_ > 100
    s = ens.sample(6, draws=2000, rng=np.random.default_rng(0))
    assert s.mean() == pytest.approx(20, rel=0.1)


def test_mix_paths_keeps_whole_paths() -> None:
    a = np.zeros((1, 100, 4), dtype=int)
    b = np.full((1, 100, 4), 7)
    out = mix_paths(np.concatenate([a, b]), np.array([0.5, 0.5]), np.random.default_rng(0))
    assert set(np.unique(out.std(axis=1))) == {0.0}  # no path mixes components
    assert 0.35 < (out[:, 0] == 7).mean() < 0.65
