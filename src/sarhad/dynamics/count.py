"""Negative binomial (NB2) count models for monthly violence series.

Model (the "log-linear" count autoregression of Fokianos & Tjøstheim 2011, with NB2 noise as in
Cameron & Trivedi, *Regression Analysis of Count Data*, 2nd ed., 2013, ch. 3):

    y_t | past ~ NB2(mu_t, alpha),   E[y_t] = mu_t,   Var[y_t] = mu_t + alpha * mu_t**2
    log mu_t = b0 + b_trend * t/12 + sum_h (s_h sin(2 pi h m_t / 12) + c_h cos(2 pi h m_t / 12))
               + sum_r g_r * 1[t in regime r] + sum_l phi_l * log(1 + y_{t-l})

``t`` counts months from the first month of the series, ``m_t`` is the calendar month. The
autoregressive terms enter as ``log(1 + y)`` so that a zero month is allowed and the model stays
stable (Fokianos & Tjøstheim 2011). ``exp(g_r)`` is the multiplier a regime applies to the
expected count given the recent past (with ``ar_lags=()``: the level relative to trend and
season). The likelihood is conditional on the first ``max(ar_lags)`` observations.

Core functions here are pure array math; :class:`NegBinCountModel` is the thin public layer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, special, stats

from sarhad.dynamics._blas import single_thread_blas
from sarhad.errors import SarhadError
from sarhad.months import month_index, month_label
from sarhad.sampling import check_sample_args

# log(alpha) is kept in a box so that a Poisson-like series (alpha -> 0) does not send the
# optimiser to -inf; exp(-18) is far below any dispersion a monthly series can show.
LOG_ALPHA_BOUNDS = (-18.0, 8.0)
# When the MLE does not exist (quasi-separation: e.g. a few isolated events that season terms
# can single out), coefficients run off; the fit is then redone with a weak N(0, 5^2) prior on
# the trend, season and AR coefficients, and the model says so.
RIDGE_SD = 5.0
DIVERGED = 15.0
# Guard against overflow when simulating far ahead with drawn parameters: the mean of a month
# is capped at 1e9 (far above any monthly count in the record).
MAX_MU = 1e9
# A trend extrapolated with drawn parameters can explode (a drawn trend a few standard errors
# steep, compounded over years). By default a simulated month's mean is capped at this multiple
# of the largest month of the fitted history: room for months far above anything seen, not for
# millions of deaths in a month (see NegBinCountModel.sample_paths).
MEAN_CAP_FACTOR = 10.0
# log alpha is drawn from its asymptotic normal truncated to the values the data do not reject:
# those within chi2_1(0.99)/2 of the maximised log-likelihood (coefficients held at their MLE)
ALPHA_LR_LEVEL = 0.99

Regime = tuple[str, str, str | None]


# ---------------------------------------------------------------------------------------------
# months
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# core NB2 math
# ---------------------------------------------------------------------------------------------


def nb2_logpmf(y: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    """log P(y) under NB2 with mean ``mu`` and dispersion ``alpha`` (r = 1/alpha):

    lgamma(y+r) - lgamma(r) - lgamma(y+1) + r log(r/(r+mu)) + y log(mu/(r+mu)).
    """
    r = 1.0 / alpha
    return (special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1.0)
            + r * (np.log(r) - np.log(r + mu)) + special.xlogy(y, mu) - y * np.log(r + mu))


def nb2_negloglik_grad(theta: np.ndarray, X: np.ndarray, y: np.ndarray,
                       offset: np.ndarray | None = None,
                       prec: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Negative log-likelihood and its gradient in ``theta = (beta, log alpha)``.

    d ll / d beta = X' [r (y - mu) / (r + mu)];
    d ll / d r = sum psi(y+r) - psi(r) + log(r/(r+mu)) + 1 - (r+y)/(r+mu);
    d ll / d log alpha = -r * d ll / d r.

    ``prec`` (one precision per coefficient) adds a Gaussian prior ``0.5 sum prec_j beta_j^2``
    to the objective (used only when the MLE does not exist; see ``NegBinCountModel.fit``).
    """
    beta, log_alpha = theta[:-1], theta[-1]
    eta = X @ beta
    if offset is not None:
        eta = eta + offset
    mu = np.exp(np.minimum(eta, 700.0))
    alpha = math.exp(log_alpha)
    r = 1.0 / alpha
    ll = nb2_logpmf(y, mu, alpha).sum()
    rm = r + mu
    g_beta = X.T @ (r * (y - mu) / rm)
    d_r = np.sum(special.digamma(y + r) - special.digamma(r) + np.log(r / rm) + 1.0 - (r + y) / rm)
    grad = np.concatenate([g_beta, [-r * d_r]])
    if prec is not None:
        ll -= 0.5 * float(np.sum(prec * beta**2))
        grad[:-1] -= prec * beta
    return -float(ll), -grad


def numerical_hessian(fun_grad, theta: np.ndarray, *, rel_step: float = 1e-5) -> np.ndarray:
    """Hessian by central differences of an analytic gradient (symmetrised)."""
    p = theta.size
    H = np.empty((p, p))
    for i in range(p):
        h = rel_step * max(1.0, abs(theta[i]))
        up, dn = theta.copy(), theta.copy()
        up[i] += h
        dn[i] -= h
        H[:, i] = (fun_grad(up)[1] - fun_grad(dn)[1]) / (2 * h)
    return 0.5 * (H + H.T)


def fit_nb2(X: np.ndarray, y: np.ndarray, *, offset: np.ndarray | None = None,
            start: np.ndarray | None = None,
            prec: np.ndarray | None = None) -> tuple[np.ndarray, float, bool]:
    """Maximum likelihood for NB2: returns ``(theta_hat, loglik, converged)`` (the objective
    includes the prior when ``prec`` is given).

    Starts from a Poisson fit (its log-linear MLE by Newton's method), then maximises the full
    NB2 likelihood by L-BFGS-B with the analytic gradient.
    """
    p = X.shape[1]
    if start is None:
        start = np.zeros(p + 1)
        start[:p] = _poisson_start(X, y, offset)
        start[p] = 0.0
    bounds = [(None, None)] * p + [LOG_ALPHA_BOUNDS]
    with single_thread_blas():
        res = optimize.minimize(nb2_negloglik_grad, start, args=(X, y, offset, prec), jac=True,
                                method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 5000, "ftol": 1e-14, "gtol": 1e-9})
    theta = res.x
    if math.exp(theta[-1]) * float(np.mean(y)) < 1e-4:
        # Poisson-like series: the likelihood is flat as log alpha -> -inf, which stalls the
        # coefficients; pin alpha at its lower bound and refit the coefficients
        theta = theta.copy()
        theta[-1] = LOG_ALPHA_BOUNDS[0]
        bounds[-1] = (LOG_ALPHA_BOUNDS[0], LOG_ALPHA_BOUNDS[0])
        with single_thread_blas():
            res = optimize.minimize(nb2_negloglik_grad, theta, args=(X, y, offset, prec), jac=True,
                                    method="L-BFGS-B", bounds=bounds,
                                    options={"maxiter": 5000, "ftol": 1e-14, "gtol": 1e-9})
    return res.x, -float(res.fun), bool(res.success)


def _poisson_start(X: np.ndarray, y: np.ndarray, offset: np.ndarray | None) -> np.ndarray:
    off = np.zeros(len(y)) if offset is None else offset
    beta = np.zeros(X.shape[1])
    beta[0] = math.log(max(y.mean(), 0.1)) if np.allclose(X[:, 0], 1.0) else 0.0
    for _ in range(50):
        mu = np.exp(np.clip(X @ beta + off, -30, 30))
        grad = X.T @ (y - mu)
        H = X.T @ (X * mu[:, None]) + 1e-8 * np.eye(X.shape[1])
        step = np.linalg.solve(H, grad)
        beta = beta + np.clip(step, -5, 5)
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


# ---------------------------------------------------------------------------------------------
# design
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """Column layout of the deterministic part of the design (AR columns come after it)."""

    names: tuple[str, ...]
    trend: bool
    harmonics: int
    regimes: tuple[tuple[str, int, int | None], ...]  # (name, first month idx, last idx or None)

    def deterministic(self, months: np.ndarray, origin: int) -> np.ndarray:
        """Rows for absolute month indices ``months``; ``origin`` is the series' first month."""
        cols = [np.ones(len(months))]
        if self.trend:
            cols.append((months - origin) / 12.0)
        cal = months % 12
        for h in range(1, self.harmonics + 1):
            cols.append(np.sin(2 * np.pi * h * cal / 12.0))
            cols.append(np.cos(2 * np.pi * h * cal / 12.0))
        for _, lo, hi in self.regimes:
            ind = months >= lo
            if hi is not None:
                ind &= months <= hi
            cols.append(ind.astype(float))
        return np.column_stack(cols)


def regime_months(regimes: Sequence[Regime]) -> list[tuple[str, int, int | None]]:
    out = []
    for item in regimes:
        if len(item) != 3:
            raise SarhadError(f"regime {item!r}: expected (name, 'YYYY-MM' start, 'YYYY-MM' end "
                              "or None)")
        name, lo, hi = item
        a = month_index(lo)
        b = None if hi is None else month_index(hi)
        if b is not None and b < a:
            raise SarhadError(f"regime {name!r} ends ({hi}) before it starts ({lo})")
        out.append((str(name), a, b))
    names = [r[0] for r in out]
    if len(set(names)) != len(names):
        raise SarhadError(f"regime names must be unique, got {names}")
    return out


# ---------------------------------------------------------------------------------------------
# estimator
# ---------------------------------------------------------------------------------------------


class NegBinCountModel:
    """Regime-aware NB2 count model for a monthly series (see the module docstring for the
    formula).

    Settings go in the constructor, data in :meth:`fit`::

        m = NegBinCountModel(trend=True, seasonality=True, ar_lags=(1,),
                             regimes=[("takeover", "2021-08", None)]).fit(y, start_month="2007-01")
        m.params_, m.bse_, m.conf_int(alpha=0.1), m.alpha_
        paths = m.sample_paths(6, draws=1000, rng=np.random.default_rng(1))

    Regimes are ``(name, "YYYY-MM" start, "YYYY-MM" end or None)``: a step (``end=None``) or a
    window of months (inclusive). A regime with no month, or every month, of the fitting sample
    in it cannot be told from the intercept: it is dropped and recorded in ``notes_`` (so a
    rolling backtest can pass the same regimes at every origin without leaking later dates).
    """

    def __init__(self, *, trend: bool = True, seasonality: bool = True, harmonics: int = 2,
                 ar_lags: Sequence[int] = (1,), regimes: Sequence[Regime] = ()) -> None:
        self.trend = trend
        self.seasonality = seasonality
        self.harmonics = harmonics
        self.ar_lags = tuple(ar_lags)
        self.regimes = list(regimes)

    # -- fitting --------------------------------------------------------------------------

    def fit(self, y: np.ndarray | Sequence[float], *, start_month: str,
            exposure: np.ndarray | Sequence[float] | None = None) -> NegBinCountModel:
        """Fit by maximum likelihood (conditional on the first ``max(ar_lags)`` months).

        ``exposure`` (positive, one per month) turns the model into a rate model,
        ``log mu_t = log exposure_t + ...`` (e.g. a group's share of all deaths). Such a model
        is for inference only: :meth:`sample_paths` would need future exposures.
        """
        y_arr = _check_counts(y)
        expo = None
        if exposure is not None:
            expo = np.asarray(exposure, dtype=float)
            if expo.shape != y_arr.shape or not np.all(np.isfinite(expo)) or np.any(expo <= 0):
                raise SarhadError("exposure must hold one positive number per month of y")
        if any((not isinstance(lag, int | np.integer)) or lag < 1 for lag in self.ar_lags):
            raise SarhadError(f"ar_lags must be positive integers, got {self.ar_lags}")
        if self.harmonics < 0 or self.harmonics > 6:
            raise SarhadError(f"harmonics must be between 0 and 6, got {self.harmonics}")
        origin = month_index(start_month)
        regimes = regime_months(self.regimes)
        lags = tuple(sorted(set(int(lag) for lag in self.ar_lags)))
        p0 = max(lags, default=0)
        n = len(y_arr)
        months = origin + np.arange(n)
        fit_months = months[p0:]

        kept, notes = [], []
        for name, lo, hi in regimes:
            ind = fit_months >= lo
            if hi is not None:
                ind &= fit_months <= hi
            if ind.all() or not ind.any():
                where = "every" if ind.all() else "no"
                notes.append(f"regime {name!r} dropped: {where} month of the fitting sample "
                             f"({month_label(int(fit_months[0]))} to "
                             f"{month_label(int(fit_months[-1]))}) falls in it")
            else:
                kept.append((name, lo, hi))
        harmonics = self.harmonics if self.seasonality else 0
        names = ["const"] + (["trend"] if self.trend else [])
        for h in range(1, harmonics + 1):
            names += [f"sin{h}", f"cos{h}"]
        names += [r[0] for r in kept]
        design = Design(tuple(names), self.trend, harmonics, tuple(kept))
        X = design.deterministic(fit_months, origin)
        y_fit = y_arr[p0:]
        if not y_fit.any():
            raise SarhadError(f"every month from {month_label(int(fit_months[0]))} to "
                              f"{month_label(int(fit_months[-1]))} is zero: a count model has "
                              "nothing to fit (a zero forecast or a baseline is the honest answer)")
        names_all = names + [f"ar{lag}" for lag in lags]
        p = len(names_all)
        if len(y_fit) < p + 3:
            raise SarhadError(f"series too short: {len(y_fit)} usable months for {p + 1} "
                              f"parameters ({', '.join(names_all)}, alpha); give at least "
                              f"{p + 4} months")
        ar_cols = []
        for lag in lags:
            col = np.log1p(y_arr[p0 - lag: n - lag])
            if np.ptp(col) == 0:
                # a constant lagged series cannot be told from the intercept; refuse (callers
                # such as the forecasters fall back to a baseline) rather than guess
                raise SarhadError(f"the design is singular: the lagged series of ar{lag} is "
                                  f"constant ({int(y_arr[p0 - lag])} every month) in the "
                                  "fitting sample; fit without AR terms or use a baseline")
            ar_cols.append(col)
        if ar_cols:
            X = np.column_stack([X, *ar_cols])
        if np.linalg.matrix_rank(X) < p:
            raise SarhadError("the design is singular (two terms carry the same information, e.g. "
                              "a regime that coincides with a seasonal pattern); drop one")

        offset = None if expo is None else np.log(expo[p0:])
        theta, ll, ok = fit_nb2(X, y_fit, offset=offset)
        prec = None
        # trend, season and AR terms; a regime coefficient may legitimately run to -inf (a
        # window with no events), which the profile interval then reports as an open end
        shape = np.array([n not in ("const",) and n not in {r[0] for r in kept}
                          for n in names_all])
        if np.any(np.abs(theta[:-1][shape]) > DIVERGED):
            prec = np.where(shape, 1.0 / RIDGE_SD**2, 0.0)
            theta, _, ok = fit_nb2(X, y_fit, offset=offset, prec=prec)
            ll = -nb2_negloglik_grad(theta, X, y_fit, offset)[0]
            notes.append("the maximum-likelihood estimates diverge (the few non-zero months can "
                         f"be singled out by the design); refitted with a N(0, {RIDGE_SD:g}^2) "
                         "prior on the coefficients: read them as regularised")
        fg = lambda th: nb2_negloglik_grad(th, X, y_fit, offset, prec)  # noqa: E731
        at_bound = theta[-1] <= LOG_ALPHA_BOUNDS[0] + 1e-3
        if at_bound:
            # Poisson-like: alpha sits on its bound, where the likelihood is flat in log alpha;
            # coefficients' covariance comes from the coefficient block alone
            theta[-1] = LOG_ALPHA_BOUNDS[0]
            notes.append("no overdispersion detected (alpha at its lower bound: Poisson-like)")
        grad = fg(theta)[1]
        free = grad[:-1] if at_bound else grad
        # L-BFGS-B sometimes stops with "abnormal termination" at an optimum it cannot improve
        ok = ok or bool(np.max(np.abs(free)) < 1e-4 * (1.0 + abs(ll)))
        H = numerical_hessian(fg, theta)
        cov = np.zeros_like(H)
        block = slice(0, p) if at_bound else slice(0, p + 1)
        try:
            cov[block, block] = np.linalg.inv(H[block, block])
        except np.linalg.LinAlgError:
            cov[block, block] = np.linalg.pinv(H[block, block])
        if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
            cov = np.where(np.isfinite(cov), cov, 0.0)
            notes.append("the information matrix is near-singular; standard errors are unreliable")
        if not ok:
            notes.append("the optimiser did not report convergence")

        self._X, self._y, self._design, self._lags = X, y_fit, design, lags
        self._prec = prec
        self._objective = -fg(theta)[0]  # the maximised (penalised, if prec) log-likelihood
        self._origin, self._history = origin, y_arr
        self._offset = offset
        self._log_alpha_range = (
            (LOG_ALPHA_BOUNDS[0], LOG_ALPHA_BOUNDS[0]) if at_bound
            else log_alpha_lr_range(theta, X, y_fit, offset, level=ALPHA_LR_LEVEL))
        self.theta_, self.cov_ = theta, cov
        self.param_names_ = names_all
        self.params_ = theta[:-1].copy()
        self.bse_ = np.sqrt(np.clip(np.diag(cov)[:-1], 0, None))
        self.alpha_ = float(math.exp(theta[-1]))
        self.loglik_ = ll
        self.nobs_ = len(y_fit)
        self.aic_ = 2 * (p + 1) - 2 * ll
        self.fitted_ = np.exp(X @ self.params_ + (0.0 if offset is None else offset))
        self.start_month_ = start_month
        self.end_month_ = month_label(origin + n - 1)
        self.notes_ = notes
        self.converged_ = ok
        return self

    # -- inference ------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "theta_"):
            raise SarhadError("the model is not fitted yet: call fit(y, start_month=...) first")

    def _index(self, name: str) -> int:
        self._check_fitted()
        try:
            return self.param_names_.index(name)
        except ValueError:
            raise SarhadError(f"no parameter {name!r}; the model has "
                              f"{', '.join(self.param_names_)}") from None

    def conf_int(self, alpha: float = 0.1, *,
                 method: Literal["wald", "profile"] = "wald") -> np.ndarray:
        """``(p, 2)`` array of ``1 - alpha`` intervals for ``params_`` (rows follow
        ``param_names_``). ``wald``: estimate +- z * se; ``profile``: likelihood-ratio interval
        (see :meth:`profile_interval`)."""
        self._check_fitted()
        if not 0 < alpha < 1:
            raise SarhadError(f"alpha must be in (0, 1), got {alpha}")
        if method == "profile":
            return np.array([self.profile_interval(n, alpha=alpha) for n in self.param_names_])
        if method != "wald":
            raise SarhadError(f"method must be 'wald' or 'profile', got {method!r}")
        z = stats.norm.ppf(1 - alpha / 2)
        return np.column_stack([self.params_ - z * self.bse_, self.params_ + z * self.bse_])

    def profile_interval(self, name: str, *, alpha: float = 0.1) -> tuple[float, float]:
        """Profile-likelihood interval for one coefficient: the set of ``b`` with
        ``2 (ll_hat - max_{other params} ll(b)) <= chi2_1(1 - alpha)`` (Venzon & Moolgavkar
        1988). An end the likelihood never reaches (e.g. a month with zero events) is +-inf."""
        j = self._index(name)
        X, y = self._X, self._y
        others = [i for i in range(X.shape[1]) if i != j]
        Xo = X[:, others]
        crit = stats.chi2.ppf(1 - alpha, 1) / 2
        obj_hat = self._objective
        b_hat = self.params_[j]
        start_o = np.concatenate([self.params_[others], [self.theta_[-1]]])
        prec = self._prec
        base = 0.0 if self._offset is None else self._offset

        def deficit(b: float) -> float:
            if prec is None:
                _, obj, _ = fit_nb2(Xo, y, offset=X[:, j] * b + base, start=start_o)
            else:
                _, obj, _ = fit_nb2(Xo, y, offset=X[:, j] * b + base, start=start_o,
                                    prec=prec[others])
                obj -= 0.5 * prec[j] * b * b
            return obj_hat - obj - crit

        se = self.bse_[j] if np.isfinite(self.bse_[j]) and self.bse_[j] > 0 else 1.0
        ends = []
        for sign in (-1.0, 1.0):
            # small first steps: a huge se (an estimate drifting to -inf) must not jump past the
            # finite end on the other side
            step, prev, found = min(max(se, 0.05), 1.0), b_hat, None
            for _ in range(40):
                b = prev + sign * step
                if abs(b - b_hat) > 80:  # a multiplier beyond e^80: the data do not bound it
                    break
                if deficit(b) > 0:
                    lo, hi = sorted((prev, b))
                    found = optimize.brentq(deficit, lo, hi, xtol=1e-6)
                    break
                prev, step = b, step * 1.6
            ends.append(found if found is not None else sign * math.inf)
        return float(ends[0]), float(ends[1])

    def effect(self, name: str, *, alpha: float = 0.1,
               method: Literal["wald", "profile"] = "profile") -> dict[str, float]:
        """Multiplicative effect ``exp(coef)`` of a regime (or any term) with its interval."""
        j = self._index(name)
        if method == "profile":
            lo, hi = self.profile_interval(name, alpha=alpha)
        else:
            lo, hi = self.conf_int(alpha, method="wald")[j]
        return {"estimate": math.exp(self.params_[j]), "lower": _safe_exp(lo),
                "upper": _safe_exp(hi), "coef": float(self.params_[j]),
                "se": float(self.bse_[j])}

    # -- simulation -----------------------------------------------------------------------

    def sample_paths(self, horizon: int, *, draws: int, rng: np.random.Generator,
                     parameter_uncertainty: bool = True,
                     mean_cap: float | None = None, trend_damping: float = 1.0) -> np.ndarray:
        """Simulated future paths, int64 array of shape ``(draws, horizon)``.

        Each draw takes its own parameters (:meth:`draw_parameters`, when
        ``parameter_uncertainty``), then walks forward month by month: the mean uses the
        trend, season and regimes of that month and ``log(1 + y)`` of the path's own previous
        months (AR feedback), and the count is NB2 drawn as a gamma-Poisson mixture
        ``y ~ Poisson(mu * G)``, ``G ~ Gamma(1/alpha, alpha)``. An open-ended regime stays on;
        a window is on only for its months.

        A month's mean is capped at ``mean_cap`` (default: ``MEAN_CAP_FACTOR`` = 10 times the
        largest month of the fitted history; ``math.inf`` for no cap). A log-linear trend
        extrapolated with a drawn slope otherwise sends the odd path to millions of deaths a
        month, which says nothing about violence and dominates any mean score. The cap acts on
        the mean, so the NB2 noise can still carry a month above it.

        ``trend_damping`` (``phi`` in (0, 1]) damps the trend beyond the data, as in damped-trend
        exponential smoothing (Gardner & McKenzie 1985, *Management Science* 31): the trend term
        of the month ``h`` months after the last observed one is
        ``b_trend * (t_last + sum_{k=1..h} phi^k) / 12`` instead of ``b_trend * (t_last + h) / 12``;
        the slope fades and the level settles at ``phi / (1 - phi)`` months of trend. ``1`` is
        the undamped model.
        """
        self._check_fitted()
        check_sample_args(horizon, draws, rng)
        if self._offset is not None:
            raise SarhadError("this model was fitted with an exposure; simulating it needs future "
                              "exposures, which sample_paths does not take: refit without one")
        if mean_cap is None:
            mean_cap = MEAN_CAP_FACTOR * max(float(np.max(self._history)), 1.0)
        if not mean_cap > 0:
            raise SarhadError(f"mean_cap must be positive, got {mean_cap!r}")
        if not 0 < trend_damping <= 1:
            raise SarhadError(f"trend_damping must be in (0, 1], got {trend_damping!r}")
        theta = self.draw_parameters(draws, rng=rng) if parameter_uncertainty else \
            np.broadcast_to(self.theta_, (draws, self.theta_.size))
        return simulate_paths(theta, self._design, self._lags, self._history, self._origin,
                              horizon, rng, mean_cap=min(float(mean_cap), MAX_MU),
                              trend_damping=float(trend_damping))

    def forecast(self, horizon: int, *, rng: np.random.Generator, draws: int = 4000,
                 level: float = 0.9) -> dict[str, np.ndarray]:
        """Summary of :meth:`sample_paths`: per future month the mean, median and the central
        ``level`` interval of the predictive distribution (parameter uncertainty included)."""
        if not 0 < level < 1:
            raise SarhadError(f"level must be in (0, 1), got {level}")
        paths = self.sample_paths(horizon, draws=draws, rng=rng)
        q = (1 - level) / 2
        first = month_index(self.end_month_) + 1
        return {"month": np.array([month_label(first + h) for h in range(horizon)]),
                "mean": paths.mean(axis=0), "median": np.median(paths, axis=0),
                "lower": np.quantile(paths, q, axis=0),
                "upper": np.quantile(paths, 1 - q, axis=0)}

    def draw_parameters(self, draws: int, *, rng: np.random.Generator) -> np.ndarray:
        """``(draws, p + 1)`` parameter vectors (coefficients, log alpha).

        Coefficients come from their asymptotic normal N(beta_hat, cov), truncated to the
        stable region ``sum_l |phi_l| < 1`` of the AR terms (Fokianos & Tjøstheim 2011): a
        draw outside it would make paths explode, so it is drawn again (up to 100 times; a
        fitted model that is itself outside keeps its draws).

        log alpha is drawn on its own: the NB2 information matrix is block-diagonal between the
        mean coefficients and the dispersion (Lawless 1987, *Can. J. Statist.* 15), so the
        cross-covariance is zero in the limit. On a nearly Poisson series its standard error is
        huge (about 11 on log scale for 120 months of Poisson(10)) and the normal puts mass on
        alphas of e^8, which the data reject outright; such draws make most paths zero and bias
        the mean of the paths low. So log alpha is drawn from N(hat, se^2) truncated to the
        range where the log-likelihood (coefficients at their MLE) is within
        ``chi2_1(0.99) / 2`` of its maximum, by inverting the normal CDF. When alpha sits on
        its lower bound (no overdispersion) it is not drawn.
        """
        self._check_fitted()
        k = self.theta_.size
        cov_b = self.cov_[:-1, :-1]
        w, V = np.linalg.eigh(cov_b)
        root = V * np.sqrt(np.clip(w, 0, None))
        beta_hat = self.theta_[:-1]
        th = np.empty((draws, k))
        th[:, :-1] = beta_hat + rng.standard_normal((draws, k - 1)) @ root.T
        ar = slice(len(self._design.names), k - 1)
        if self._lags and np.sum(np.abs(beta_hat[ar])) < 1:
            for _ in range(100):
                bad = np.sum(np.abs(th[:, ar]), axis=1) >= 1
                if not bad.any():
                    break
                th[bad, :-1] = beta_hat + rng.standard_normal((int(bad.sum()), k - 1)) @ root.T
        th[:, -1] = draw_log_alpha(self.theta_[-1], math.sqrt(max(self.cov_[-1, -1], 0.0)),
                                   self._log_alpha_range, draws, rng)
        return th

    def predict(self) -> np.ndarray:
        """In-sample one-step-ahead means (the fitted ``mu_t``), aligned with the fitting sample
        (the series minus its first ``max(ar_lags)`` months)."""
        self._check_fitted()
        return self.fitted_.copy()

    def summary_rows(self, alpha: float = 0.1) -> list[dict[str, float | str]]:
        ci = self.conf_int(alpha)
        rows: list[dict[str, float | str]] = [
            {"term": n, "coef": float(b), "se": float(s), "lower": float(lo), "upper": float(hi)}
            for n, b, s, (lo, hi) in zip(self.param_names_, self.params_, self.bse_, ci,
                                         strict=True)]
        se_la = math.sqrt(max(self.cov_[-1, -1], 0.0))
        z = stats.norm.ppf(1 - alpha / 2)
        rows.append({"term": "alpha", "coef": self.alpha_, "se": self.alpha_ * se_la,
                     "lower": math.exp(self.theta_[-1] - z * se_la),
                     "upper": math.exp(self.theta_[-1] + z * se_la)})
        return rows


def log_alpha_lr_range(theta: np.ndarray, X: np.ndarray, y: np.ndarray,
                       offset: np.ndarray | None, *, level: float = ALPHA_LR_LEVEL
                       ) -> tuple[float, float]:
    """The log-alpha values not rejected by a likelihood-ratio test at ``level``, with the
    coefficients held at their estimates: ``{a : 2 (ll(hat) - ll(beta_hat, a)) <= chi2_1(level)}``
    within ``LOG_ALPHA_BOUNDS``. Holding the coefficients fixed makes the range a little
    narrower than the profile-likelihood one (a conservative truncation of wild draws)."""
    eta = X @ theta[:-1] + (0.0 if offset is None else offset)
    mu = np.exp(np.minimum(eta, 700.0))
    crit = stats.chi2.ppf(level, 1) / 2
    ll_hat = float(nb2_logpmf(y, mu, math.exp(theta[-1])).sum())

    def deficit(a: float) -> float:
        return ll_hat - float(nb2_logpmf(y, mu, math.exp(a)).sum()) - crit

    ends = []
    for bound in LOG_ALPHA_BOUNDS:
        if deficit(bound) <= 0:
            ends.append(bound)
        else:
            ends.append(float(optimize.brentq(deficit, *sorted((theta[-1], bound)), xtol=1e-4)))
    return ends[0], ends[1]


def draw_log_alpha(hat: float, se: float, bounds: tuple[float, float], draws: int,
                   rng: np.random.Generator) -> np.ndarray:
    """``draws`` values of N(hat, se^2) truncated to ``bounds``, by inverting the normal CDF
    (one uniform per draw); ``hat`` itself when ``se`` is 0 or the range is a point."""
    lo, hi = bounds
    if se <= 0 or hi <= lo:
        return np.full(draws, float(np.clip(hat, lo, hi)))
    c_lo, c_hi = stats.norm.cdf([(lo - hat) / se, (hi - hat) / se])
    u = rng.uniform(c_lo, c_hi, draws)
    return np.clip(hat + se * stats.norm.ppf(u), lo, hi)


def simulate_paths(theta: np.ndarray, design: Design, lags: tuple[int, ...],
                   history: np.ndarray, origin: int, horizon: int,
                   rng: np.random.Generator, *, mean_cap: float = MAX_MU,
                   trend_damping: float = 1.0) -> np.ndarray:
    """Forward simulation for parameter rows ``theta`` (draws x (p+1)); pure array math.
    Each month's mean is capped at ``mean_cap`` (and always at ``MAX_MU``); the trend beyond the
    data is damped by ``trend_damping`` (see ``NegBinCountModel.sample_paths``)."""
    mean_cap = min(float(mean_cap), MAX_MU)
    draws = theta.shape[0]
    n = len(history)
    p_det = len(design.names)
    beta_det, beta_ar = theta[:, :p_det], theta[:, p_det:-1]
    r = np.exp(-theta[:, -1])  # r = 1/alpha per draw
    future = origin + n + np.arange(horizon)
    Xf = design.deterministic(future, origin)  # (horizon, p_det)
    if design.trend and trend_damping < 1.0:
        steps = np.cumsum(trend_damping ** np.arange(1, horizon + 1))
        Xf[:, 1] = (n - 1 + steps) / 12.0  # column 1 is the trend (after the constant)
    det = beta_det @ Xf.T  # (draws, horizon)
    p0 = max(lags, default=0)
    buf = np.zeros((draws, p0 + horizon))
    if p0:
        buf[:, :p0] = history[n - p0:]
    out = np.empty((draws, horizon), dtype=np.int64)
    for h in range(horizon):
        eta = det[:, h].copy()
        for k, lag in enumerate(lags):
            eta += beta_ar[:, k] * np.log1p(buf[:, p0 + h - lag])
        mu = np.minimum(np.exp(np.minimum(eta, 700.0)), mean_cap)
        lam = rng.gamma(r, mu / r)
        yh = rng.poisson(np.minimum(lam, MAX_MU * 50))
        out[:, h] = yh
        buf[:, p0 + h] = yh
    return out


def _check_counts(y: np.ndarray | Sequence[float]) -> np.ndarray:
    arr = np.asarray(y, dtype=float)
    if arr.ndim != 1:
        raise SarhadError(f"y must be a 1-d array of monthly counts, got shape {arr.shape}")
    if arr.size == 0:
        raise SarhadError("y is empty: give at least a few years of monthly counts")
    if not np.all(np.isfinite(arr)):
        raise SarhadError("y has missing or infinite values; monthly counts must be complete "
                          "(zero-filled)")
    if np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise SarhadError("y must hold non-negative whole numbers (counts)")
    return arr


def _safe_exp(x: float) -> float:
    if x == math.inf:
        return math.inf
    if x == -math.inf:
        return 0.0
    return math.exp(x)
