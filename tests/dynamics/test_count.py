"""NB2 count model: the math against scipy/statsmodels, parameter recovery, simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sarhad.dynamics import NegBinCountModel
from sarhad.dynamics.count import (
    Design,
    month_index,
    month_label,
    nb2_logpmf,
    nb2_negloglik_grad,
)
from sarhad.errors import SarhadError

TRUE = {"const": 1.5, "trend": 0.08, "sin1": 0.3, "cos1": -0.2, "reg": 0.6, "ar1": 0.3}
ALPHA = 0.25


def simulate_series(rng: np.random.Generator, n: int = 168, *, reg_start: int = 132,
                    params: dict[str, float] = TRUE, alpha: float = ALPHA) -> np.ndarray:
    """Simulate the model directly (a loop written independently of simulate_paths)."""
    y = np.zeros(n)
    prev = 4.0
    r = 1 / alpha
    for t in range(n):
        eta = (params["const"] + params["trend"] * t / 12
               + params["sin1"] * math.sin(2 * math.pi * t / 12)
               + params["cos1"] * math.cos(2 * math.pi * t / 12) + params["reg"] * (t >= reg_start)
               + params["ar1"] * math.log1p(prev))
        mu = math.exp(eta)
        y[t] = rng.poisson(rng.gamma(r, mu / r))
        prev = y[t]
    return y


def fit_default(y: np.ndarray, **kw) -> NegBinCountModel:
    # series starts 2010-01, so t % 12 is the calendar month index; regime from 2021-01 (t=132)
    return NegBinCountModel(trend=True, seasonality=True, harmonics=1, ar_lags=(1,),
                            regimes=[("reg", "2021-01", None)], **kw).fit(y, start_month="2010-01")


def test_months_roundtrip():
    assert month_label(month_index("2021-08")) == "2021-08"
    assert month_index("2021-01") - month_index("2020-12") == 1
    for bad in ("2021-13", "2021/08", "21-08", 202108):
        with pytest.raises(SarhadError):
            month_index(bad)  # type: ignore[arg-type]


def test_logpmf_matches_scipy():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 200, 50).astype(float)
    mu = rng.uniform(0.1, 150, 50)
    for alpha in (0.01, 0.5, 3.0):
        r = 1 / alpha
        ref = stats.nbinom.logpmf(y, r, r / (r + mu))
        np.testing.assert_allclose(nb2_logpmf(y, mu, alpha), ref, rtol=1e-10, atol=1e-10)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    X = np.column_stack([np.ones(60), rng.normal(size=(60, 2))])
    y = rng.poisson(5, 60).astype(float)
    theta = np.array([1.2, 0.3, -0.2, math.log(0.4)])
    f, g = nb2_negloglik_grad(theta, X, y)
    eps = 1e-6
    num = np.array([(nb2_negloglik_grad(theta + eps * e, X, y)[0]
                     - nb2_negloglik_grad(theta - eps * e, X, y)[0]) / (2 * eps)
                    for e in np.eye(4)])
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-6)


def test_agrees_with_statsmodels_nb2_and_glm():
    import statsmodels.api as sm

    y = simulate_series(np.random.default_rng(3))
    m = fit_default(y)
    # same design and sample as our model (the first month is the AR pre-sample)
    res = sm.NegativeBinomial(m._y, m._X, loglike_method="nb2").fit(disp=0, method="bfgs",
                                                                    maxiter=1000)
    np.testing.assert_allclose(m.params_, res.params[:-1], rtol=1e-4, atol=1e-5)
    assert m.alpha_ == pytest.approx(res.params[-1], rel=1e-4)
    assert m.loglik_ == pytest.approx(res.llf, abs=1e-6)
    np.testing.assert_allclose(m.bse_, res.bse[:-1], rtol=2e-3)
    # GLM with alpha fixed at our estimate gives the same coefficients (its IRLS, not ours)
    glm = sm.GLM(m._y, m._X, family=sm.families.NegativeBinomial(alpha=m.alpha_)).fit()
    np.testing.assert_allclose(m.params_, glm.params, rtol=1e-5, atol=1e-6)


def test_recovers_known_parameters():
    y = simulate_series(np.random.default_rng(4))
    m = fit_default(y)
    ci = m.conf_int(alpha=0.01)
    for name, true in TRUE.items():
        j = m.param_names_.index(name)
        assert ci[j, 0] <= true <= ci[j, 1], (name, true, ci[j])
    assert m.param_names_ == ["const", "trend", "sin1", "cos1", "reg", "ar1"]
    assert 0.1 < m.alpha_ < 0.5


def test_profile_interval_close_to_wald_for_a_well_measured_term():
    y = simulate_series(np.random.default_rng(5))
    m = fit_default(y)
    lo, hi = m.profile_interval("reg", alpha=0.1)
    wlo, whi = m.conf_int(0.1)[m.param_names_.index("reg")]
    assert lo < m.params_[m.param_names_.index("reg")] < hi
    assert abs(lo - wlo) < 0.05 and abs(hi - whi) < 0.05
    # the likelihood ratio at each end equals the chi2 cut-off: check by refitting directly
    eff = m.effect("reg", alpha=0.1)
    assert eff["lower"] == pytest.approx(math.exp(lo)) and eff["estimate"] > eff["lower"]


def test_zero_month_window_has_open_lower_end():
    rng = np.random.default_rng(6)
    y = rng.poisson(20, 60).astype(float)
    y[50] = 0  # a one-month window with nothing in it: no finite lower bound on its effect
    m = NegBinCountModel(trend=False, seasonality=False, ar_lags=(),
                         regimes=[("win", "2014-03", "2014-03")]).fit(y, start_month="2010-01")
    lo, hi = m.profile_interval("win", alpha=0.1)
    assert lo == -math.inf
    assert math.isfinite(hi) and hi < 0


def test_unidentifiable_regimes_are_dropped_with_a_note():
    y = np.random.default_rng(7).poisson(10, 48).astype(float)
    m = NegBinCountModel(regimes=[("later", "2030-01", None), ("always", "2000-01", None),
                                  ("ok", "2012-01", None)]).fit(y, start_month="2010-01")
    assert "later" not in m.param_names_ and "always" not in m.param_names_
    assert "ok" in m.param_names_
    dropped = [n for n in m.notes_ if "dropped" in n]
    assert len(dropped) == 2 and "'later'" in dropped[0] and "'always'" in dropped[1]
    # Poisson data: the model says there is no overdispersion and does not fail to converge
    assert any("Poisson-like" in n for n in m.notes_) and m.converged_


def test_design_window_turns_off_after_its_end():
    d = Design(("const", "w", "s"), False, 0, (("w", 5, 6), ("s", 5, None)))
    X = d.deterministic(np.arange(3, 10), 0)
    np.testing.assert_array_equal(X[:, 1], [0, 0, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(X[:, 2], [0, 0, 1, 1, 1, 1, 1])


def test_sample_paths_shape_seed_and_one_step_moments():
    y = simulate_series(np.random.default_rng(8))
    m = fit_default(y)
    a = m.sample_paths(4, draws=300, rng=np.random.default_rng(11))
    b = m.sample_paths(4, draws=300, rng=np.random.default_rng(11))
    assert a.shape == (300, 4) and a.dtype == np.int64 and (a >= 0).all()
    np.testing.assert_array_equal(a, b)
    # plug-in one-step: mean mu and variance mu + alpha mu^2, mu from the formula by hand
    draws = m.sample_paths(1, draws=40000, rng=np.random.default_rng(12),
                           parameter_uncertainty=False)[:, 0]
    t = len(y)
    b_ = dict(zip(m.param_names_, m.params_, strict=True))
    mu = math.exp(b_["const"] + b_["trend"] * t / 12 + b_["sin1"] * math.sin(2 * math.pi * t / 12)
                  + b_["cos1"] * math.cos(2 * math.pi * t / 12) + b_["reg"]
                  + b_["ar1"] * math.log1p(y[-1]))
    var = mu + m.alpha_ * mu**2
    assert draws.mean() == pytest.approx(mu, abs=4 * math.sqrt(var / draws.size))
    assert draws.var() == pytest.approx(var, rel=0.1)


def test_parameter_uncertainty_widens_paths():
    y = simulate_series(np.random.default_rng(9), n=60, reg_start=40)
    m = fit_default(y)
    with_u = m.sample_paths(12, draws=4000, rng=np.random.default_rng(1))
    without = m.sample_paths(12, draws=4000, rng=np.random.default_rng(1),
                             parameter_uncertainty=False)
    q = lambda a: np.quantile(a[:, -1], 0.95) - np.quantile(a[:, -1], 0.05)  # noqa: E731
    assert q(with_u) > q(without)


@pytest.mark.parametrize("bad, msg", [
    (np.array([1.0, -1.0] * 20), "non-negative"),
    (np.array([1.5] * 40), "whole"),
    (np.ones((4, 10)), "1-d"),
    (np.array([1.0, np.nan] * 20), "missing"),
    (np.ones(5), "too short"),
])
def test_bad_input_explains(bad, msg):
    with pytest.raises(SarhadError, match=msg):
        NegBinCountModel().fit(bad, start_month="2010-01")


def test_unfitted_and_bad_options_raise():
    with pytest.raises(SarhadError, match="not fitted"):
        NegBinCountModel().sample_paths(3, draws=2, rng=np.random.default_rng(0))
    m = NegBinCountModel(ar_lags=()).fit(np.random.default_rng(0).poisson(5, 40),
                                         start_month="2010-01")
    with pytest.raises(SarhadError, match="Generator"):
        m.sample_paths(3, draws=2, rng=1)  # type: ignore[arg-type]
    with pytest.raises(SarhadError, match="no parameter"):
        m.effect("nope")
    with pytest.raises(SarhadError, match="ends"):
        NegBinCountModel(regimes=[("x", "2012-05", "2012-01")]).fit(np.ones(40),
                                                                    start_month="2010-01")


@pytest.mark.slow
def test_interval_coverage_near_nominal():
    """90% Wald and profile intervals for the regime effect cover the truth ~90% of the time."""
    rng = np.random.default_rng(2021)
    n_sim, hit_w, hit_p = 150, 0, 0
    for _ in range(n_sim):
        m = fit_default(simulate_series(rng))
        j = m.param_names_.index("reg")
        lo, hi = m.conf_int(0.1)[j]
        hit_w += lo <= TRUE["reg"] <= hi
        plo, phi = m.profile_interval("reg", alpha=0.1)
        hit_p += plo <= TRUE["reg"] <= phi
    # binomial sd at n=150 is 2.4 points; allow about 3 sd
    assert 0.82 <= hit_w / n_sim <= 0.97
    assert 0.82 <= hit_p / n_sim <= 0.97


def test_forecast_summarises_the_paths():
    y = simulate_series(np.random.default_rng(13))
    m = fit_default(y)
    f = m.forecast(3, rng=np.random.default_rng(5), draws=2000)
    paths = m.sample_paths(3, draws=2000, rng=np.random.default_rng(5))
    assert f["month"].tolist() == ["2024-01", "2024-02", "2024-03"]  # 168 months from 2010-01
    np.testing.assert_allclose(f["mean"], paths.mean(axis=0))
    np.testing.assert_allclose(f["upper"], np.quantile(paths, 0.95, axis=0))
    assert np.all(f["lower"] <= f["median"]) and np.all(f["median"] <= f["upper"])


def test_degenerate_series_are_explained_not_crashed():
    with pytest.raises(SarhadError, match="is zero"):
        NegBinCountModel().fit(np.zeros(48), start_month="2018-01")
    with pytest.raises(SarhadError, match="singular.*ar1.*constant"):
        NegBinCountModel(ar_lags=(1,)).fit(np.full(48, 7.0), start_month="2018-01")
    const = NegBinCountModel(ar_lags=()).fit(np.full(48, 7.0), start_month="2018-01")
    assert math.exp(const.params_[0]) == pytest.approx(7.0, rel=1e-3)
    # isolated events the season terms can single out: the MLE runs off, the prior holds it
    y = np.zeros(60)
    y[[7, 21, 30, 42]] = 1
    m = NegBinCountModel(ar_lags=(1,)).fit(y, start_month="2018-01")
    assert any("diverge" in n for n in m.notes_)
    assert np.all(np.abs(m.params_) < 15) and np.all(np.isfinite(m.bse_))
    lo, hi = m.profile_interval("sin1")
    assert lo < m.params_[m.param_names_.index("sin1")] < hi


def test_parameter_draws_stay_in_the_stable_ar_region():
    y = simulate_series(np.random.default_rng(14), n=48, reg_start=40)
    m = fit_default(y)
    th = m.draw_parameters(5000, rng=np.random.default_rng(0))
    j = m.param_names_.index("ar1")
    assert abs(m.params_[j]) < 1 and np.all(np.abs(th[:, j]) < 1)
    # the rest of the draw is the asymptotic normal: its mean is the estimate
    k = m.param_names_.index("const")
    assert th[:, k].mean() == pytest.approx(m.params_[k], abs=4 * m.bse_[k] / np.sqrt(5000) + 0.02)


def test_exposure_model_agrees_with_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(15)
    n = 60
    expo = rng.integers(20, 200, n).astype(float)
    t = np.arange(n)
    share = np.exp(-1.0 + 0.5 * (t >= 45))
    y = rng.poisson(rng.gamma(5.0, expo * share / 5.0)).astype(float)
    m = NegBinCountModel(trend=False, seasonality=False, ar_lags=(),
                         regimes=[("after", "2013-10", None)]).fit(
        y, start_month="2010-01", exposure=expo)
    res = sm.NegativeBinomial(y, m._X, loglike_method="nb2", exposure=expo).fit(
        disp=0, method="bfgs", maxiter=1000)
    np.testing.assert_allclose(m.params_, res.params[:-1], rtol=1e-4, atol=1e-5)
    assert m.alpha_ == pytest.approx(res.params[-1], rel=1e-3)
    lo, hi = m.profile_interval("after")
    assert lo < 0.5 < hi
    with pytest.raises(SarhadError, match="exposure"):
        m.sample_paths(2, draws=2, rng=np.random.default_rng(0))
    with pytest.raises(SarhadError, match="exposure"):
        NegBinCountModel().fit(y, start_month="2010-01", exposure=np.zeros(n))


# -- parameter draws on a nearly Poisson series; trend paths that would explode ------------------

def nearly_poisson_fit(seed: int = 8) -> NegBinCountModel:
    # Poisson(10), 120 months: this seed's sample is a touch overdispersed by chance, so alpha is
    # estimated off its bound (log alpha about -7) with a standard error of about 15 on log scale
    y = np.random.default_rng(seed).poisson(10, 120)
    return NegBinCountModel(trend=False, seasonality=False, ar_lags=()).fit(
        y, start_month="2010-01")


def test_near_poisson_paths_keep_the_fitted_mean():
    m = nearly_poisson_fit()
    se_log_alpha = math.sqrt(m.cov_[-1, -1])
    assert se_log_alpha > 5  # the situation the truncation is for
    fitted_mean = math.exp(m.params_[0])
    draws = m.sample_paths(1, draws=20000, rng=np.random.default_rng(3))[:, 0]
    # sd of the mean of 20,000 draws of a ~Poisson(10) is about 0.02; parameter draws add the
    # lognormal factor exp(se_const^2 / 2) ~ 1.0005. Untruncated draws of alpha gave about 8.6.
    assert draws.mean() == pytest.approx(fitted_mean, abs=0.12)
    assert draws.var() == pytest.approx(fitted_mean, rel=0.1)  # still nearly Poisson


def test_log_alpha_draws_stay_where_the_likelihood_allows():
    m = nearly_poisson_fit()
    th = m.draw_parameters(5000, rng=np.random.default_rng(0))
    lo, hi = th[:, -1].min(), th[:, -1].max()
    # the upper end of the range, checked with scipy's NB pmf: the likelihood ratio there is
    # close to chi2_1(0.99) and beyond it the data reject the dispersion
    y = m._y
    mu = math.exp(m.params_[0])

    def ll(log_alpha: float) -> float:
        r = math.exp(-log_alpha)
        return float(stats.nbinom.logpmf(y, r, r / (r + mu)).sum())

    top = m._log_alpha_range[1]
    assert hi <= top + 1e-9 and top < 0  # alpha far below e^8
    assert 2 * (ll(m.theta_[-1]) - ll(top)) == pytest.approx(stats.chi2.ppf(0.99, 1), abs=0.01)
    assert lo >= -18.0
    # the coefficients are still the asymptotic normal
    assert th[:, 0].std() == pytest.approx(m.bse_[0], rel=0.05)


def test_alpha_on_its_bound_is_not_drawn():
    y = np.random.default_rng(0).poisson(10, 120)  # under-dispersed sample: alpha at its bound
    m = NegBinCountModel(trend=False, seasonality=False, ar_lags=()).fit(y, start_month="2010-01")
    assert m.theta_[-1] == -18.0
    th = m.draw_parameters(500, rng=np.random.default_rng(1))
    assert np.all(th[:, -1] == -18.0) and th[:, 0].std() > 0


def test_trend_paths_are_capped_at_a_multiple_of_the_history():
    # a steep rise (x2 a year) fitted on 4 years: extrapolated 10 years with drawn slopes, the
    # uncapped paths reach absurd monthly counts; the default cap keeps the mean at most 10x the
    # largest month seen, while the NB2 noise can still go above it
    rng = np.random.default_rng(4)
    t = np.arange(48)
    y = rng.poisson(np.exp(1.0 + math.log(2) * t / 12))
    m = NegBinCountModel(trend=True, seasonality=False, ar_lags=()).fit(y, start_month="2010-01")
    free = m.sample_paths(120, draws=2000, rng=np.random.default_rng(5), mean_cap=math.inf)
    capped = m.sample_paths(120, draws=2000, rng=np.random.default_rng(5))
    cap = 10 * y.max()
    assert free[:, -1].max() > 100 * cap
    # a Poisson/NB2 draw around a mean of at most `cap`
    assert np.quantile(capped[:, -1], 0.5) <= cap * 1.05
    assert capped[:, -1].max() < 3 * cap
    # before the cap binds, the two agree exactly (same generator, same draws)
    np.testing.assert_array_equal(free[:, 0], capped[:, 0])
    with pytest.raises(SarhadError, match="mean_cap"):
        m.sample_paths(2, draws=10, rng=np.random.default_rng(1), mean_cap=0.0)
