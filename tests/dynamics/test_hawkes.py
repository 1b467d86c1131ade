"""Hawkes processes: recursive likelihood vs the direct double sum, gradients, parameter
recovery, simulation moments, time rescaling, event preparation."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from sarhad.dynamics import HawkesProcess
from sarhad.dynamics.events import jitter_days, stream_times
from sarhad.dynamics.goodness import ks_plot, rescaled_gaps, time_rescaling
from sarhad.dynamics.hawkes import (
    _loglik_grad,
    loglik,
    loglik_direct,
    merge_streams,
    spectral_radius,
)
from sarhad.errors import SarhadError

MU = np.array([[0.20, 0.45], [0.08, 0.05]])  # 2 streams x 2 regimes (break at t=1500)
A = np.array([[[0.35], [0.30]], [[0.05], [0.40]]])
BETA = np.array([0.8])
BREAK = 1500.0
T = 3000.0


def true_model(mu=MU, A_=A, betas=BETA, breaks=(BREAK,)) -> HawkesProcess:
    """A HawkesProcess with parameters set by hand (no fit) for simulation."""
    h = HawkesProcess(breaks=breaks)
    h.background_ = np.asarray(mu, dtype=float)
    h.adjacency_ = np.asarray(A_, dtype=float)
    h.decays_ = np.asarray(betas, dtype=float)
    h.excitation_ = h.adjacency_.sum(axis=2)
    h.branching_ratio_ = spectral_radius(h.excitation_)
    h.breaks_ = np.asarray(breaks, dtype=float)
    h.stream_names_ = [f"s{k}" for k in range(h.background_.shape[0])]
    return h


def random_data(rng, K=3, n=300, T_=100.0):
    times = np.sort(rng.uniform(0, T_, n))
    marks = rng.integers(0, K, n)
    return times, marks.astype(np.int64)


@pytest.mark.parametrize("U", [1, 2])
def test_recursive_loglik_equals_direct(U):
    rng = np.random.default_rng(0)
    K, R = 3, 3
    for _ in range(5):
        times, marks = random_data(rng, K)
        breaks = np.sort(rng.uniform(5, 95, R - 1))
        mu = rng.uniform(0.1, 2.0, (K, R))
        A_ = rng.uniform(0, 0.4, (K, K, U))
        betas = rng.uniform(0.2, 5.0, U)
        fast = loglik(times, marks, mu, A_, betas, 100.0, breaks)
        slow = loglik_direct(times, marks, mu, A_, betas, 100.0, breaks)
        assert abs(fast - slow) <= 1e-9 * max(1.0, abs(slow)), (fast, slow)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    K, R, U = 2, 2, 2
    times, marks = random_data(rng, K, 200, 50.0)
    breaks = np.array([20.0])
    regs = np.searchsorted(breaks, times, side="right").astype(np.int64)
    lengths = np.array([20.0, 30.0])
    mu = rng.uniform(0.3, 1.0, (K, R))
    A_ = rng.uniform(0.05, 0.3, (K, K, U))
    b = np.array([0.7, 3.0])
    _, gmu, gA, gb = _loglik_grad(times, marks, regs, mu, A_, b, 50.0, lengths)

    def ll(mu_, A__, b_):
        return _loglik_grad(times, marks, regs, mu_, A__, b_, 50.0, lengths)[0]

    eps = 1e-6
    for idx in np.ndindex(mu.shape):
        d = np.zeros_like(mu)
        d[idx] = eps
        assert gmu[idx] == pytest.approx((ll(mu + d, A_, b) - ll(mu - d, A_, b)) / (2 * eps),
                                         rel=1e-5, abs=1e-6)
    for idx in np.ndindex(A_.shape):
        d = np.zeros_like(A_)
        d[idx] = eps
        assert gA[idx] == pytest.approx((ll(mu, A_ + d, b) - ll(mu, A_ - d, b)) / (2 * eps),
                                        rel=1e-5, abs=1e-6)
    for u in range(U):
        d = np.zeros(U)
        d[u] = eps
        assert gb[u] == pytest.approx((ll(mu, A_, b + d) - ll(mu, A_, b - d)) / (2 * eps),
                                      rel=1e-5, abs=1e-6)


def test_fit_recovers_known_parameters():
    sims = true_model().simulate(T, rng=np.random.default_rng(2))
    h = HawkesProcess(breaks=[BREAK], regime_names=["before", "after"]).fit(
        sims, T=T, stream_names=["a", "b"])
    assert h.converged_
    lo, hi = h.excitation_ci(alpha=0.01)
    G = A.sum(axis=2)
    assert np.all(lo <= G) and np.all(hi >= G), (h.excitation_, lo, hi)
    blo, bhi = h.background_ci(alpha=0.01)
    assert np.all(blo <= MU) and np.all(bhi >= MU)
    rlo, rhi = h.branching_ratio_ci(alpha=0.01)
    assert rlo <= spectral_radius(G) <= rhi
    hlo, hhi = h.half_life_ci(alpha=0.01)
    assert hlo[0] <= math.log(2) / BETA[0] <= hhi[0]
    s = h.summary()
    assert s["streams"] == ["a", "b"] and s["regimes"] == ["before", "after"]


def test_sumexp_kernel_recovers_weights():
    A2 = np.array([[[0.25, 0.25]]])
    betas = np.array([0.2, 5.0])
    sims = true_model(mu=[[0.5]], A_=A2, betas=betas, breaks=()).simulate(
        8000.0, rng=np.random.default_rng(3))
    h = HawkesProcess("sumexp", decays=betas).fit(sims, T=8000.0)
    lo, hi = h.excitation_ci(alpha=0.01)
    assert lo[0, 0] <= 0.5 <= hi[0, 0]
    np.testing.assert_allclose(h.adjacency_[0, 0], A2[0, 0], atol=0.1)
    assert h.decays_.tolist() == betas.tolist()


def test_simulated_rate_matches_stationary_mean():
    """Mean rate of a stationary Hawkes process is (I - G)^-1 mu (Hawkes 1971)."""
    mu = np.array([[0.3], [0.1]])
    model = true_model(mu=mu, breaks=())
    G = A.sum(axis=2)
    rate = np.linalg.solve(np.eye(2) - G, mu[:, 0])
    rng = np.random.default_rng(4)
    n = np.array([[s.size for s in model.simulate(2000.0, rng=rng)] for _ in range(40)])
    # edge effect at t=0 is a few events; the sd of the mean over 40 runs is a few percent
    np.testing.assert_allclose(n.mean(axis=0) / 2000.0, rate, rtol=0.06)


def test_simulation_from_history_continues_its_offspring():
    """One past event at t=0 of stream 0 and no background: the expected number of events
    after t_start is the decayed direct offspring times the cluster multiplier (I - G)^-1."""
    model = true_model(mu=[[1e-12], [1e-12]], breaks=())
    G = A.sum(axis=2)
    t0 = 2.0
    direct = G[:, 0] * math.exp(-BETA[0] * t0)
    expect = np.linalg.solve(np.eye(2) - G, direct).sum()
    rng = np.random.default_rng(5)
    hist = [np.array([0.0]), np.zeros(0)]
    total = [sum(s.size for s in model.simulate(1e4, rng=rng, t_start=t0, history=hist))
             for _ in range(20000)]
    assert np.mean(total) == pytest.approx(expect, rel=0.05)
    assert all(np.all(s > t0) for s in model.simulate(1e4, rng=np.random.default_rng(6),
                                                      t_start=t0, history=hist))


def test_simulation_is_seeded():
    m = true_model()
    a = m.simulate(500.0, rng=np.random.default_rng(7))
    b = m.simulate(500.0, rng=np.random.default_rng(7))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_time_rescaling_accepts_truth_and_rejects_poisson():
    m = true_model()
    sims = m.simulate(T, rng=np.random.default_rng(8))
    good = time_rescaling(m, sims)
    assert all(r.p_value > 0.01 for r in good)
    # a Poisson model (excitation switched off) for clustered data fails the test
    pois = true_model(mu=np.array([[s.size / T] * 2 for s in sims]), A_=np.zeros_like(A))
    bad = time_rescaling(pois, sims)
    assert bad[0].p_value < 1e-3
    # for a homogeneous Poisson model the rescaled gaps are the time gaps times the rate
    gaps = rescaled_gaps(pois, sims)
    np.testing.assert_allclose(gaps[1], np.diff(np.concatenate([[0], sims[1]])) * sims[1].size / T)
    assert ks_plot(good).to_dict()["layer"]


def test_fit_rejects_bad_input():
    rng = np.random.default_rng(9)
    ok = np.sort(rng.uniform(0, 10, 20))
    with pytest.raises(SarhadError, match="ties"):
        HawkesProcess().fit([np.array([1.0, 1.0, 2.0]), ok], T=10.0)
    with pytest.raises(SarhadError, match="too few"):
        HawkesProcess().fit([np.array([1.0]), ok], T=10.0)
    with pytest.raises(SarhadError, match=r"\[0, T"):
        HawkesProcess().fit([ok + 5, ok], T=10.0)
    with pytest.raises(SarhadError, match="decays"):
        HawkesProcess("sumexp").fit([ok], T=10.0)
    with pytest.raises(SarhadError, match="not fitted"):
        HawkesProcess().simulate(5.0, rng=rng)


def _table(rows):
    return pl.DataFrame(rows, schema={"date_start": pl.Date, "date_end": pl.Date,
                                      "date_precision": pl.Utf8, "side_a_actor": pl.Utf8,
                                      "side_b_actor": pl.Utf8}, orient="row")


def test_stream_times_jitter_coarse_and_shared_events():
    d = dt.date
    tab = _table([
        (d(2020, 1, 1), d(2020, 1, 1), "day", "pakistan", "ttp"),
        (d(2020, 1, 1), d(2020, 1, 1), "day", "pakistan", "ttp"),  # a tie
        (d(2020, 1, 3), d(2020, 1, 9), "week", "pakistan", "ttp"),  # coarse
        (d(2020, 1, 5), d(2020, 1, 5), "day", "ttp", "is-k"),  # shared: goes to ttp
        (d(2020, 1, 6), d(2020, 1, 6), "day", "is-k", None),
        (d(2020, 1, 7), d(2020, 1, 7), "day", "pakistan", None),  # no stream
        (d(2021, 1, 7), d(2021, 1, 7), "day", "ttp", None),  # outside the window
    ])
    kw = dict(start=d(2020, 1, 1), end=d(2020, 1, 31))
    s = stream_times(tab, {"ttp": {"ttp"}, "isk": {"is-k"}}, rng=np.random.default_rng(1), **kw)
    assert s.counts() == {"ttp": 3, "isk": 1} and s.excluded == {"ttp": 1, "isk": 0}
    assert s.shared == 1 and s.T == 31.0
    ttp = s.times[0]
    assert np.all((ttp[:2] >= 0) & (ttp[:2] < 1)) and ttp[0] != ttp[1]
    assert 4 <= ttp[2] < 5
    again = stream_times(tab, {"ttp": {"ttp"}, "isk": {"is-k"}}, rng=np.random.default_rng(1),
                         **kw)
    np.testing.assert_array_equal(again.times[0], ttp)
    sp = stream_times(tab, {"ttp": {"ttp"}, "isk": {"is-k"}}, rng=np.random.default_rng(1),
                      coarse="spread", **kw)
    assert sp.counts()["ttp"] == 4 and sp.spread == {"ttp": 1, "isk": 0}
    # the same seed gives the day-dated events the same times; the extra one is the coarse
    # event, placed in its week (2 Jan .. 9 Jan, i.e. days [2, 9))
    (extra,) = set(sp.times[0]) - set(ttp)
    assert 2 <= extra < 9


def test_jitter_stays_within_the_day():
    days = np.repeat(np.arange(100), 5).astype(float)
    t = jitter_days(days, np.random.default_rng(0))
    assert np.all(np.floor(t) == days) and np.unique(t).size == t.size


def test_merge_streams_orders_and_labels():
    t, k = merge_streams([np.array([3.0, 1.0]), np.array([2.0])])
    np.testing.assert_array_equal(t, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(k, [0, 1, 0])


@pytest.mark.slow
def test_interval_coverage_near_nominal():
    """90% intervals for an excitation entry and the branching ratio cover the truth near 90%
    of the time over repeated simulations."""
    model = true_model(mu=np.array([[0.2], [0.1]]), breaks=())
    G = A.sum(axis=2)
    rho = spectral_radius(G)
    rng = np.random.default_rng(2022)
    n, hit_g, hit_r, hit_p = 120, 0, 0, 0
    for _ in range(n):
        sims = model.simulate(2500.0, rng=rng)
        h = HawkesProcess().fit(sims, T=2500.0)
        lo, hi = h.excitation_ci(0.1)
        hit_g += lo[0, 1] <= G[0, 1] <= hi[0, 1]
        rlo, rhi = h.branching_ratio_ci(0.1)
        hit_r += rlo <= rho <= rhi
        plo, phi = h.profile_excitation_ci(0, 1, alpha=0.1)
        hit_p += plo <= G[0, 1] <= phi
    # binomial sd at n=120 is 2.7 points; allow about 3 sd either side
    assert 0.80 <= hit_g / n <= 0.98
    assert 0.80 <= hit_r / n <= 0.98
    assert 0.80 <= hit_p / n <= 0.98


def test_analytic_hessian_matches_differences_of_the_gradient():
    from sarhad.dynamics.hawkes import _loglik_hessian

    rng = np.random.default_rng(10)
    K, R, U = 2, 2, 2
    times, marks = random_data(rng, K, 250, 60.0)
    breaks = np.array([25.0])
    regs = np.searchsorted(breaks, times, side="right").astype(np.int64)
    lengths = np.array([25.0, 35.0])
    mu = rng.uniform(0.3, 1.0, (K, R))
    A_ = rng.uniform(0.05, 0.3, (K, K, U))
    lb = np.log(np.array([0.7, 3.0]))

    def grad(x):
        m = x[:K * R].reshape(K, R)
        a = x[K * R:K * R + K * K * U].reshape(K, K, U)
        b = np.exp(x[-U:])
        _, gm, ga, gb = _loglik_grad(times, marks, regs, m, a, b, 60.0, lengths)
        return np.concatenate([gm.ravel(), ga.ravel(), gb * b])

    x = np.concatenate([mu.ravel(), A_.ravel(), lb])
    H = _loglik_hessian(times, marks, regs, mu, A_, np.exp(lb), 60.0, lengths)
    eps = 1e-6
    num = np.column_stack([(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps)
                           for e in np.eye(x.size)])
    np.testing.assert_allclose(H, num, rtol=1e-5, atol=1e-5)


def test_sample_counts_bins_the_simulations():
    m = true_model(mu=np.array([[0.3], [0.1]]), breaks=())
    edges = np.array([100.0, 130.0, 160.0, 190.0])
    c = m.sample_counts(edges, draws=3, rng=np.random.default_rng(3))
    assert c.shape == (3, 3, 2) and c.dtype == np.int64
    # the same seed gives the same simulations, which the counts bin exactly
    rng = np.random.default_rng(3)
    for d in range(3):
        sims = m.simulate(190.0, rng=rng, t_start=100.0)
        for k in range(2):
            ref = np.histogram(sims[k], bins=edges)[0]
            np.testing.assert_array_equal(c[d, :, k], ref)
    # mean count per bin equals the stationary rate times the bin width (after burn-in)
    G = A.sum(axis=2)
    rate = np.linalg.solve(np.eye(2) - G, np.array([0.3, 0.1]))
    many = m.sample_counts([0.0, 200.0, 1200.0], draws=200, rng=np.random.default_rng(4))
    np.testing.assert_allclose(many[:, 1, :].mean(axis=0) / 1000.0, rate, rtol=0.06)
    with pytest.raises(SarhadError, match="increasing"):
        m.sample_counts([1.0, 1.0], draws=1, rng=np.random.default_rng(0))


def test_profile_interval_covers_truth_and_is_close_to_wald():
    sims = true_model().simulate(T, rng=np.random.default_rng(12))
    h = HawkesProcess(breaks=[BREAK]).fit(sims, T=T)
    lo, hi = h.profile_excitation_ci(0, 1, alpha=0.1)
    wlo, whi = h.excitation_ci(alpha=0.1)
    assert lo < h.excitation_[0, 1] < hi
    assert lo <= A[0, 1, 0] <= hi or wlo[0, 1] <= A[0, 1, 0] <= whi[0, 1]
    # a well-measured entry: the likelihood is near quadratic, so both intervals agree
    assert abs(lo - wlo[0, 1]) < 0.03 and abs(hi - whi[0, 1]) < 0.03


def test_decay_bounds_hold_and_intensity_matches_the_formula():
    sims = true_model().simulate(T, rng=np.random.default_rng(13))
    h = HawkesProcess(breaks=[BREAK], decay_bounds=(1.0, 5.0)).fit(sims, T=T)
    assert 1.0 - 1e-9 <= h.decays_[0] <= 5.0 + 1e-9
    t = np.array([10.0, 1600.0])
    lam = h.intensity(t, sims)
    b = h.decays_[0]
    for i, ti in enumerate(t):
        r = int(ti >= BREAK)
        for k in range(2):
            ref = h.background_[k, r] + sum(
                h.adjacency_[k, j, 0] * np.sum(b * np.exp(-b * (ti - s[s < ti])))
                for j, s in enumerate(sims))
            assert lam[i, k] == pytest.approx(ref, rel=1e-12)
    with pytest.raises(SarhadError, match="decay_bounds"):
        HawkesProcess(decay_bounds=(2.0, 1.0)).fit(sims, T=T)
