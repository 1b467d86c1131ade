"""Model forecasters: the count-model wrapper and the regime-shift and heavy-tail components."""

from __future__ import annotations

import numpy as np
import pytest

from sarhad.errors import SarhadError
from sarhad.forecast.baselines import PoissonMean, sample_negbin
from sarhad.forecast.models import (
    CountModel,
    HeavyTail,
    RegimeShift,
    rescale_counts,
    scenario_regimes,
)


def test_count_model_forecast_recovers_known_level() -> None:
    """Simulated NB2 series around a known level: the wrapper's h-step draws have that mean
    and NB2 variance mu + alpha mu^2."""
    rng = np.random.default_rng(0)
    mu, alpha = 50.0, 0.3
    y = sample_negbin(mu, alpha, (240,), rng)
    f = CountModel(window=None, trend=False, ar_lags=()).fit(y, start_month="2000-01")
    s = f.sample(3, draws=40000, rng=np.random.default_rng(1))
    assert s.mean() == pytest.approx(mu, rel=0.05)
    assert s.var() == pytest.approx(mu + alpha * mu**2, rel=0.15)


def test_count_model_window_uses_only_recent_months() -> None:
    rng = np.random.default_rng(2)
    y = np.concatenate([np.full(100, 500), sample_negbin(10.0, 0.4, (60,), rng)])
    f = CountModel(window=60, trend=False, ar_lags=()).fit(y, start_month="2000-01")
    assert f.model_.nobs_ == 60 and f.fallback_reason_ is None
    s = f.sample(1, draws=20000, rng=np.random.default_rng(3))
    assert s.mean() == pytest.approx(y[-60:].mean(), rel=0.1)


def test_count_model_falls_back_when_the_model_cannot_be_fitted() -> None:
    y = np.zeros(60, dtype=int)  # nothing happened in the window: no count model to fit
    f = CountModel(window=48, ar_lags=(1,)).fit(y, start_month="2000-01")
    assert f.fallback_reason_
    assert (f.sample(2, draws=10, rng=np.random.default_rng(0)) == 0).all()
    with pytest.raises(SarhadError):
        CountModel(window=48, fallback=None).fit(y, start_month="2000-01")


def test_rescale_counts_has_the_right_mean() -> None:
    rng = np.random.default_rng(4)
    y = np.full(200000, 40)
    assert rescale_counts(y, 0.25, rng).mean() == pytest.approx(10, rel=0.01)
    assert rescale_counts(y, 3.0, rng).mean() == pytest.approx(120, rel=0.01)
    assert rescale_counts(y, 1.0, rng).tolist()[:5] == [40] * 5


def test_regime_shift_zero_hazard_is_the_base_and_positive_hazard_widens() -> None:
    y = np.random.default_rng(5).poisson(30, 60)
    base = PoissonMean(window=12)
    same = RegimeShift(base, hazard=0.0).fit(y, start_month="2015-01")
    s0 = same.sample(12, draws=20000, rng=np.random.default_rng(6))
    sb = base.fit(y, start_month="2015-01").sample(12, draws=20000, rng=np.random.default_rng(7))
    assert s0.var() == pytest.approx(sb.var(), rel=0.05)
    wide = RegimeShift(base, hazard=0.2, sigma=0.5).fit(y, start_month="2015-01")
    sw = wide.sample(12, draws=20000, rng=np.random.default_rng(6))
    assert sw[:, -1].var() > 3 * sb[:, -1].var()  # shifts accumulate along the path
    assert sw[:, 0].var() < sw[:, -1].var()


def test_heavy_tail_estimates_exceedance_rate() -> None:
    rng = np.random.default_rng(8)
    y = rng.poisson(20, 3000)
    spikes = rng.random(3000) < 0.05
    y[spikes] = y[spikes] * 10
    f = HeavyTail(PoissonMean(window=12), threshold=3.0).fit(y, start_month="1700-01")
    assert f.rate_ == pytest.approx(spikes[12:].mean(), abs=0.004)
    assert np.median(f.ratios_) == pytest.approx(10 / 3, rel=0.15)
    s = f.sample(12, draws=5000, rng=np.random.default_rng(9))
    assert (s > 100).mean() == pytest.approx(f.rate_, abs=0.01)


def test_scenario_regimes_are_pre_2022(bundled_scenario) -> None:
    regimes = dict((n, (a, b)) for n, a, b in scenario_regimes(bundled_scenario))
    assert regimes["kabul-takeover"] == ("2021-08", None)
    assert regimes["ceasefire-2021"] == ("2021-11", "2021-11")
    assert all(a <= "2021-12" for a, _ in regimes.values())


def _poisson_event_days(rate_per_day: float, start: str, n_days: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(rate_per_day, n_days)
    day0 = np.datetime64(start, "D")
    return np.repeat(day0 + np.arange(n_days), counts)


def _monthly(days: np.ndarray, start: str, end: str) -> np.ndarray:
    from sarhad.months import month_range

    months = np.array(days.astype("datetime64[M]").astype(str))
    return np.array([(months == m).sum() for m in month_range(start, end)])


def test_hawkes_forecaster_recovers_a_poisson_rate_and_compound_fatalities() -> None:
    """Events at a constant 0.5 a day (no excitation): forecast months hold ~15 events; with
    fatalities drawn from {1, 3}, ~30 deaths."""
    from sarhad.forecast.models import HawkesForecaster

    days = _poisson_event_days(0.5, "2015-01-01", 5 * 365 + 1, seed=1)
    y = _monthly(days, "2015-01", "2019-12")
    marks = np.random.default_rng(2).choice([1, 3], size=days.size)
    f = HawkesForecaster(days, marks, target="events").fit(y, start_month="2015-01")
    s = f.sample(3, draws=400, rng=np.random.default_rng(3))
    assert f.model_.branching_ratio_ < 0.3
    assert s.mean() == pytest.approx(0.5 * 30.4, rel=0.2)
    g = HawkesForecaster(days, marks, target="fatalities").fit(y, start_month="2015-01")
    sf = g.sample(3, draws=400, rng=np.random.default_rng(3))
    assert sf.mean() == pytest.approx(2 * 0.5 * 30.4, rel=0.2)


def test_hawkes_forecaster_ignores_events_after_the_origin() -> None:
    from sarhad.forecast.models import HawkesForecaster

    days = _poisson_event_days(0.4, "2015-01-01", 6 * 365, seed=4)
    y = _monthly(days, "2015-01", "2019-06")
    later = days[days >= np.datetime64("2019-07-01")]
    flood = np.concatenate([days, np.repeat(later, 5)])  # many more events after the origin
    a = HawkesForecaster(days).fit(y, start_month="2015-01")
    b = HawkesForecaster(flood).fit(y, start_month="2015-01")
    np.testing.assert_array_equal(a.sample(4, draws=50, rng=np.random.default_rng(0)),
                                  b.sample(4, draws=50, rng=np.random.default_rng(0)))


def test_hawkes_background_blocks_follow_a_level_change() -> None:
    """The rate drops from 1 to 0.2 a day for the last year: with 6-month background blocks
    the forecast follows the recent level; one background rate for five years does not."""
    from sarhad.forecast.models import HawkesForecaster

    early = _poisson_event_days(1.0, "2015-01-01", 4 * 365, seed=6)
    late = _poisson_event_days(0.2, "2018-12-31", 366, seed=7)
    days = np.concatenate([early, late])
    y = _monthly(days, "2015-01", "2019-12")
    local = HawkesForecaster(days, background_months=6).fit(y, start_month="2015-01")
    flat = HawkesForecaster(days, background_months=None).fit(y, start_month="2015-01")
    m_local = local.sample(2, draws=300, rng=np.random.default_rng(1)).mean()
    m_flat = flat.sample(2, draws=300, rng=np.random.default_rng(1)).mean()
    assert m_local == pytest.approx(0.2 * 30.4, rel=0.3)
    assert m_flat > 1.5 * m_local


def simulate_log_ar(c: float, phi: float, n: int, rng: np.random.Generator,
                    noise: np.ndarray | None = None) -> np.ndarray:
    """z_t = c + phi z_{t-1} + e_t on z = log(1 + y), written out directly (independent of
    LogAR), returned as counts."""
    z = np.empty(n)
    prev = c / (1 - phi)
    e = rng.normal(0.0, 0.4, n) if noise is None else noise
    for t in range(n):
        prev = c + phi * prev + e[t]
        z[t] = prev
    return np.maximum(np.rint(np.expm1(z)), 0).astype(np.int64)


def test_log_ar_recovers_coefficients_and_matches_ols() -> None:
    from sarhad.forecast.models import LogAR

    rng = np.random.default_rng(0)
    y = simulate_log_ar(1.2, 0.6, 600, rng)
    f = LogAR(window=600).fit(y, start_month="1970-01")
    # independent implementation: statsmodels OLS on the same log1p series
    import statsmodels.api as sm

    z = np.log1p(y.astype(float))
    ols = sm.OLS(z[1:], sm.add_constant(z[:-1])).fit()
    np.testing.assert_allclose(f.coef_, ols.params, rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(f.cov_)), ols.bse, rtol=1e-8)
    # the rounding of counts blurs the true (1.2, 0.6) a little
    assert f.coef_[1] == pytest.approx(0.6, abs=0.06)
    assert f.coef_[0] / (1 - f.coef_[1]) == pytest.approx(3.0, abs=0.15)


def test_log_ar_paths_revert_to_the_stationary_median() -> None:
    """Far ahead the paths forget the origin: their median is expm1 of the stationary median
    of z (c / (1 - phi) for a symmetric noise), whatever the last month was."""
    from sarhad.forecast.models import LogAR

    rng = np.random.default_rng(1)
    y = simulate_log_ar(1.2, 0.6, 400, rng)
    y[-1] = 2000  # a mass-casualty month at the origin
    f = LogAR(window=400).fit(y, start_month="1980-01")
    s = f.sample(24, draws=20000, rng=np.random.default_rng(2))
    assert np.median(s[:, 0]) > 3 * np.median(s[:, -1])  # the shock is felt first ...
    target = np.expm1(f.coef_[0] / (1 - f.coef_[1]))
    assert np.median(s[:, -1]) == pytest.approx(target, rel=0.12)  # ... then fades


def test_log_ar_residual_bootstrap_carries_a_skewed_noise() -> None:
    """With skewed (centred exponential) noise on the log scale the residual bootstrap keeps
    the skew that a normal noise would lose: the one-step draws are right-skewed on z."""
    from scipy import stats

    from sarhad.forecast.models import LogAR

    rng = np.random.default_rng(3)
    noise = rng.exponential(0.5, 800) - 0.5
    y = simulate_log_ar(1.0, 0.5, 800, rng, noise=noise)
    f = LogAR(window=800).fit(y, start_month="1950-01")
    s = f.sample(1, draws=20000, rng=np.random.default_rng(4))[:, 0]
    assert stats.skew(np.log1p(s)) > 1.0  # exponential noise has skew 2; a normal has 0
    assert stats.skew(f.resid_) == pytest.approx(stats.skew(noise), abs=0.4)


def test_damped_trend_stops_the_extrapolation() -> None:
    """A rising series: undamped paths keep climbing at the fitted slope; with damping phi the
    level settles at phi / (1 - phi) months of trend beyond the last month."""
    rng = np.random.default_rng(5)
    t = np.arange(60)
    y = rng.poisson(np.exp(2.0 + 0.4 * t / 12))
    kw = dict(window=None, trend=True, ar_lags=(), parameter_uncertainty=False,
              cap_factor=None)
    free = CountModel(trend_damping=1.0, **kw).fit(y, start_month="2000-01")
    damped = CountModel(trend_damping=0.8, **kw).fit(y, start_month="2000-01")
    a = free.sample(36, draws=4000, rng=np.random.default_rng(6))
    b = damped.sample(36, draws=4000, rng=np.random.default_rng(6))
    b_const, b_trend = free.model_.params_
    last = np.exp(b_const + b_trend * 59 / 12)
    assert a[:, -1].mean() == pytest.approx(last * np.exp(b_trend * 36 / 12), rel=0.05)
    assert b[:, -1].mean() == pytest.approx(last * np.exp(b_trend * 4 / 12), rel=0.05)
    np.testing.assert_array_equal(a[:, 0] >= 0, True)
    # the default damps (0.7): the level moves about 0.7 / 0.3 months of trend past the data
    c = CountModel(**kw).fit(y, start_month="2000-01").sample(36, draws=4000,
                                                              rng=np.random.default_rng(6))
    assert c[:, -1].mean() == pytest.approx(last * np.exp(b_trend * (0.7 / 0.3) / 12), rel=0.05)
    with pytest.raises(SarhadError, match="trend_damping"):
        CountModel(trend_damping=1.5, **kw).fit(y, start_month="2000-01").sample(
            2, draws=5, rng=np.random.default_rng(0))
