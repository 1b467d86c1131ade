"""Scores against direct formulas, scoringrules' other estimators and statistical properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarhad.forecast import scoring


def crps_direct(x: np.ndarray, y: float) -> float:
    """The fair estimator written out with all m^2 pairs (Ferro 2014)."""
    m = len(x)
    return float(np.abs(x - y).mean() - np.abs(x[:, None] - x[None, :]).sum() / (2 * m * (m - 1)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=2, max_size=40), st.integers(0, 600))
def test_crps_equals_direct_fair_formula(draws: list[int], y: int) -> None:
    x = np.array(draws)
    assert scoring.crps(x[None, :], np.array([y]))[0] == pytest.approx(crps_direct(x, y),
                                                                      abs=1e-9)


def test_crps_of_large_ensemble_matches_closed_form() -> None:
    """For a Poisson forecast the CRPS has a closed form via the CDF sum
    CRPS = sum_k (F(k) - 1{y <= k})^2; a large ensemble's fair estimate converges to it."""
    from scipy import stats

    lam, y = 7.0, 11
    k = np.arange(0, 200)
    exact = float(((stats.poisson.cdf(k, lam) - (y <= k)) ** 2).sum())
    x = np.random.default_rng(0).poisson(lam, 200000)
    assert scoring.crps(x[None, :], np.array([y]))[0] == pytest.approx(exact, rel=0.01)


def test_bins_follow_views_edges() -> None:
    y = np.array([0, 1, 2, 3, 5, 6, 10, 11, 25, 26, 50, 51, 100, 101, 250, 251, 500, 501, 1000,
                  1001, 10**6])
    assert scoring.bin_index(y).tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
                                             9, 9, 10, 10]


def test_log_score_bins_and_floor() -> None:
    s = np.array([[0, 0, 1, 2, 3, 4, 30, 30, 30, 30]])  # m = 10
    p = scoring.bin_probabilities(s)[0]
    assert p.sum() == pytest.approx(1.0)
    assert p[0] == pytest.approx((2 + 1 / 11) / 11)
    # an outcome in an empty bin costs log(K (m + 1)), finite
    assert scoring.log_score_bins(s, np.array([5000]))[0] == pytest.approx(np.log(11 * 11))
    assert scoring.log_score_bins(s, np.array([27]))[0] == pytest.approx(-np.log((4 + 1 / 11)
                                                                                  / 11))


def test_interval_score_matches_scoringrules() -> None:
    import scoringrules as sr

    rng = np.random.default_rng(1)
    lo = rng.integers(0, 20, 50).astype(float)
    hi = lo + rng.integers(0, 30, 50)
    y = rng.integers(0, 60, 50).astype(float)
    for level in (50, 80, 95):
        ours = scoring.interval_score(lo, hi, y, level)
        ref = sr.interval_score(y, lo, hi, 1 - level / 100, backend="numpy")
        np.testing.assert_allclose(ours, ref)


def test_central_interval_is_inverted_cdf() -> None:
    s = np.arange(1, 101)[None, :]  # 1..100
    lo, hi = scoring.central_interval(s, 80)
    assert (lo[0], hi[0]) == (10, 90)


def test_calibrated_forecasts_cover_nominally_and_have_uniform_pit() -> None:
    rng = np.random.default_rng(2)
    n, m = 4000, 400
    mu = rng.gamma(2.0, 10.0, n)
    y = rng.poisson(mu)
    samples = rng.poisson(mu[:, None], (n, m))
    sc = scoring.score_cases(samples, y, rng=rng)
    # inverted-CDF bounds of an integer forecast include the boundary mass, so coverage is at
    # least nominal and a little above it
    assert 0.8 <= sc["cov80"].mean() <= 0.87
    assert 0.5 <= sc["cov50"].mean() <= 0.6
    hist = np.histogram(sc["pit"], bins=10, range=(0, 1))[0] / n
    assert np.abs(hist - 0.1).max() < 0.02
    # an overconfident forecast (too narrow) gives a U-shaped PIT
    narrow = np.round(mu[:, None] + 0.3 * (samples - mu[:, None])).clip(0)
    pit = scoring.randomized_pit(narrow, y, rng)
    h = np.histogram(pit, bins=10, range=(0, 1))[0] / n
    assert h[0] > 0.15 and h[-1] > 0.15


def test_brier_is_mean_of_events() -> None:
    s = np.array([[0, 0, 5, 30], [25, 25, 25, 25]])
    y = np.array([0, 24])
    sc = scoring.score_cases(s, y, rng=np.random.default_rng(0))
    np.testing.assert_allclose(sc["p_gt0"], [0.5, 1.0])
    np.testing.assert_allclose(sc["brier_gt0"], [0.25, 0.0])
    np.testing.assert_allclose(sc["brier_ge25"], [0.25 ** 2, 1.0])


def test_block_bootstrap_brackets_mean_of_dependent_series() -> None:
    rng = np.random.default_rng(3)
    e = rng.normal(size=300)
    d = np.empty(300)
    d[0] = e[0]
    for t in range(1, 300):
        d[t] = 0.7 * d[t - 1] + e[t]
    mean, lo, hi = scoring.block_bootstrap_mean(d + 2.0, block=12, rng=rng)
    assert lo < mean < hi
    assert lo < 2.0 < hi


@pytest.mark.slow
def test_block_bootstrap_coverage_near_nominal_for_ar1() -> None:
    """Over many AR(1) series, the 90% moving-block interval covers the true mean ~90% of the
    time, where an i.i.d. bootstrap (block 1) undercovers badly."""
    rng = np.random.default_rng(4)
    hits_block, hits_iid, reps = 0, 0, 300
    for _ in range(reps):
        e = rng.normal(size=240)
        d = np.empty(240)
        d[0] = e[0] / np.sqrt(1 - 0.6 ** 2)
        for t in range(1, 240):
            d[t] = 0.6 * d[t - 1] + e[t]
        _, lo, hi = scoring.block_bootstrap_mean(d, block=12, reps=500, rng=rng)
        hits_block += lo < 0 < hi
        _, lo, hi = scoring.block_bootstrap_mean(d, block=1, reps=500, rng=rng)
        hits_iid += lo < 0 < hi
    assert 0.8 <= hits_block / reps <= 0.97
    assert hits_iid / reps < 0.75


def test_reliability_and_pit_histogram_shapes() -> None:
    p = np.array([0.05, 0.05, 0.95, 0.95])
    o = np.array([0, 0, 1, 1])
    rows = scoring.reliability(p, o)
    assert [(r["bin"], r["observed"], r["n"]) for r in rows] == [(0, 0.0, 2), (9, 1.0, 2)]
    hist = scoring.pit_histogram(np.array([0.05, 0.15, 0.15, 0.95]))
    assert [h["n"] for h in hist] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]


def test_block_bootstrap_refuses_too_few_values_and_short_series_get_short_blocks() -> None:
    rng = np.random.default_rng(5)
    mean, lo, hi = scoring.block_bootstrap_mean(np.arange(6.0), block=6, rng=rng)
    assert mean == 2.5 and np.isnan(lo) and np.isnan(hi)
    # 12 values, block 12 asked: shortened to 4, so the interval has width
    _, lo, hi = scoring.block_bootstrap_mean(rng.normal(size=12), block=12, rng=rng)
    assert hi - lo > 0
