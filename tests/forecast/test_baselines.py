"""Baselines: each does what its name says; the NB fit recovers known parameters and agrees with
statsmodels."""

from __future__ import annotations

import numpy as np
import pytest

from sarhad.forecast.baselines import (
    Bootstrap,
    LastValue,
    NegBinWindow,
    PoissonMean,
    Zero,
    negbin_mle,
    sample_negbin,
)

Y = np.array([5, 0, 7, 3, 9, 12, 4, 4, 8, 1, 0, 6, 30, 2, 11])


def test_zero_and_last() -> None:
    rng = np.random.default_rng(0)
    assert (Zero().fit(Y, start_month="2020-01").sample(4, draws=5, rng=rng) == 0).all()
    assert (LastValue().fit(Y, start_month="2020-01").sample(4, draws=5, rng=rng) == 11).all()


def test_poisson_mean_uses_last_window() -> None:
    f = PoissonMean(window=12).fit(Y, start_month="2020-01")
    assert f.mean_ == pytest.approx(Y[-12:].mean())
    s = f.sample(10, draws=20000, rng=np.random.default_rng(1))
    assert s.mean() == pytest.approx(Y[-12:].mean(), rel=0.02)
    assert s.var() == pytest.approx(Y[-12:].mean(), rel=0.05)


def test_bootstrap_draws_only_recent_values() -> None:
    f = Bootstrap(window=4).fit(Y, start_month="2020-01")
    s = f.sample(6, draws=4000, rng=np.random.default_rng(2))
    assert set(np.unique(s)) == set(Y[-4:])
    # each of the 4 pooled months equally likely
    for v in (30, 2, 11):
        assert (s == v).mean() == pytest.approx(0.25, abs=0.02)
    assert (s == 6).mean() == pytest.approx(0.25, abs=0.02)


def test_negbin_mle_recovers_parameters() -> None:
    rng = np.random.default_rng(3)
    mu, alpha = 40.0, 0.6
    y = sample_negbin(mu, alpha, (20000,), rng)
    m, a = negbin_mle(y)
    assert m == pytest.approx(mu, rel=0.03)
    assert a == pytest.approx(alpha, rel=0.05)


def test_negbin_mle_agrees_with_statsmodels() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    y = sample_negbin(12.0, 0.9, (300,), rng)
    m, a = negbin_mle(y)
    res = sm.NegativeBinomial(y, np.ones((len(y), 1)), loglike_method="nb2").fit(disp=0)
    assert m == pytest.approx(np.exp(res.params[0]), rel=1e-5)
    assert a == pytest.approx(res.params[1], rel=1e-3)


def test_negbin_poisson_limit_and_zero() -> None:
    assert negbin_mle(np.array([3, 3, 3, 3]))[1] == 0.0
    assert negbin_mle(np.zeros(10, dtype=int)) == (0.0, 0.0)
    s = NegBinWindow(window=36).fit(np.zeros(40, dtype=int), start_month="2018-01").sample(
        3, draws=10, rng=np.random.default_rng(0))
    assert (s == 0).all()


def test_negbin_window_uses_last_36_months() -> None:
    y = np.concatenate([np.full(50, 1000), np.full(36, 5)])
    f = NegBinWindow(window=36).fit(y, start_month="2010-01")
    assert f.mu_ == 5.0


def test_sample_negbin_moments() -> None:
    s = sample_negbin(20.0, 0.5, (200000,), np.random.default_rng(5))
    assert s.mean() == pytest.approx(20.0, rel=0.01)
    assert s.var() == pytest.approx(20.0 + 0.5 * 400.0, rel=0.03)
