"""Multivariate Hawkes processes with exponential and sum-of-exponentials kernels and a
piecewise-constant (by regime) background rate.

Intensity of stream ``k`` (Hawkes 1971; the multivariate form of Liniger 2009):

    lambda_k(t) = mu_{k, r(t)}
                  + sum_j sum_u A[k, j, u] * sum_{t_i^j < t} beta_u exp(-beta_u (t - t_i^j))

``mu_{k,r}`` is the background rate of stream ``k`` in regime ``r`` (regimes split time at
``breaks``); ``A[k, j, u]`` is the expected number of stream-``k`` events directly triggered by
one stream-``j`` event through decay component ``u`` (each component's kernel integrates to one).
The *excitation matrix* is ``G = sum_u A[:, :, u]`` and the *branching ratio* its spectral radius
(the process is stationary when it is below one; Hawkes & Oakes 1974). The half-life of a
component is ``ln 2 / beta_u``.

Log-likelihood on ``[0, T]`` (Ozaki 1979; Daley & Vere-Jones 2003, eq. 7.2.1):

    ll = sum_n log lambda_{k_n}(t_n) - sum_k int_0^T lambda_k(t) dt,
    int_0^T lambda_k = sum_r mu_{k,r} L_r
                       + sum_j sum_u A[k,j,u] sum_{t_i^j} (1 - exp(-beta_u (T - t_i^j)))

computed in one pass with Ozaki's recursion for the decayed sums, ``O(N K U)`` instead of the
direct ``O(N^2)`` double sum (:func:`loglik_direct` keeps the direct form for tests and the
benchmark). The gradient in ``(mu, A, log beta)`` comes out of the same pass.

``kernel="exp"`` fits one shared decay (``U = 1``, ``beta`` estimated unless ``decays`` fixes it);
``kernel="sumexp"`` takes a fixed set of decays (as ``tick``'s ``HawkesSumExpKern`` does) and
estimates the weights ``A[..., u]``.

Event times must be strictly increasing within the merged record; day-dated data need the
seeded jitter of :mod:`sarhad.dynamics.events` first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numba
import numpy as np
from scipy import optimize, stats

from sarhad.dynamics._blas import single_thread_blas
from sarhad.errors import SarhadError

Kernel = Literal["exp", "sumexp"]
LOG_BETA_BOUNDS = (math.log(1e-6), math.log(1e6))
MU_FLOOR = 1e-10


# ---------------------------------------------------------------------------------------------
# core kernels (numba)
# ---------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _loglik_grad(times, marks, regs, mu, A, betas, T, lengths):  # pragma: no cover - numba
    """One pass: log-likelihood and gradients in mu (K,R), A (K,K,U) and beta (U,)."""
    K, R = mu.shape
    U = betas.shape[0]
    E = np.zeros((K, U))  # sum over past events of stream j of exp(-beta_u (t - t_i))
    D = np.zeros((K, U))  # sum over past events of (t - t_i) exp(-beta_u (t - t_i))
    G = np.zeros((K, U))  # compensator pieces: sum_i 1 - exp(-beta_u (T - t_i))
    H = np.zeros((K, U))  # sum_i (T - t_i) exp(-beta_u (T - t_i))
    gmu = np.zeros((K, R))
    gA = np.zeros((K, K, U))
    gb = np.zeros(U)
    ll = 0.0
    tprev = 0.0
    N = times.shape[0]
    for n in range(N):
        t = times[n]
        dt = t - tprev
        for u in range(U):
            dec = math.exp(-betas[u] * dt)
            for j in range(K):
                D[j, u] = (D[j, u] + dt * E[j, u]) * dec
                E[j, u] *= dec
        k = marks[n]
        r = regs[n]
        lam = mu[k, r]
        for j in range(K):
            for u in range(U):
                lam += A[k, j, u] * betas[u] * E[j, u]
        if lam <= 0.0:
            return -np.inf, gmu, gA, gb
        ll += math.log(lam)
        inv = 1.0 / lam
        gmu[k, r] += inv
        for j in range(K):
            for u in range(U):
                gA[k, j, u] += betas[u] * E[j, u] * inv
                gb[u] += A[k, j, u] * (E[j, u] - betas[u] * D[j, u]) * inv
        for u in range(U):
            E[k, u] += 1.0
            e = math.exp(-betas[u] * (T - t))
            G[k, u] += 1.0 - e
            H[k, u] += (T - t) * e
        tprev = t
    for k in range(K):
        for r in range(R):
            ll -= mu[k, r] * lengths[r]
            gmu[k, r] -= lengths[r]
        for j in range(K):
            for u in range(U):
                ll -= A[k, j, u] * G[j, u]
                gA[k, j, u] -= G[j, u]
                gb[u] -= A[k, j, u] * H[j, u]
    return ll, gmu, gA, gb


@numba.njit(cache=True)
def _loglik_hessian(times, marks, regs, mu, A, betas, T, lengths):  # pragma: no cover - numba
    """Analytic Hessian of the log-likelihood in ``(mu, A, log beta)`` (flattened in that
    order, C order within each block). The intensity is linear in ``(mu, A)``, so each event
    adds ``-g g' / lambda^2`` plus the second derivatives of lambda in ``log beta``."""
    K, R = mu.shape
    U = betas.shape[0]
    nmu, nA = K * R, K * K * U
    P = nmu + nA + U
    Hs = np.zeros((P, P))
    E = np.zeros((K, U))
    D = np.zeros((K, U))
    D2 = np.zeros((K, U))  # sum of (t - t_i)^2 exp(-beta_u (t - t_i))
    Hc = np.zeros((K, U))  # compensator: sum_i (T - t_i) exp(-beta_u (T - t_i))
    Hc2 = np.zeros((K, U))
    idx = np.empty(1 + K * U + U, dtype=np.int64)
    g = np.empty(1 + K * U + U)
    tprev = 0.0
    for n in range(times.shape[0]):
        t = times[n]
        dt = t - tprev
        for u in range(U):
            dec = math.exp(-betas[u] * dt)
            for j in range(K):
                D2[j, u] = (D2[j, u] + 2.0 * dt * D[j, u] + dt * dt * E[j, u]) * dec
                D[j, u] = (D[j, u] + dt * E[j, u]) * dec
                E[j, u] *= dec
        k = marks[n]
        r = regs[n]
        lam = mu[k, r]
        for j in range(K):
            for u in range(U):
                lam += A[k, j, u] * betas[u] * E[j, u]
        inv = 1.0 / lam
        m = 0
        idx[m] = k * R + r
        g[m] = 1.0
        m += 1
        for j in range(K):
            for u in range(U):
                idx[m] = nmu + (k * K + j) * U + u
                g[m] = betas[u] * E[j, u]
                m += 1
        for u in range(U):
            b = betas[u]
            c = 0.0
            c2 = 0.0
            for j in range(K):
                c += A[k, j, u] * b * (E[j, u] - b * D[j, u])
                c2 += A[k, j, u] * (b * E[j, u] - 3.0 * b * b * D[j, u] + b * b * b * D2[j, u])
                # d2 lambda / dA[k,j,u] dlog beta_u
                ia = nmu + (k * K + j) * U + u
                ib = nmu + nA + u
                v = b * (E[j, u] - b * D[j, u]) * inv
                Hs[ia, ib] += v
                Hs[ib, ia] += v
            idx[m] = nmu + nA + u
            g[m] = c
            Hs[nmu + nA + u, nmu + nA + u] += c2 * inv
            m += 1
        for a in range(m):
            for bb in range(m):
                Hs[idx[a], idx[bb]] -= g[a] * g[bb] * inv * inv
        for u in range(U):
            E[k, u] += 1.0
            e = math.exp(-betas[u] * (T - t))
            Hc[k, u] += (T - t) * e
            Hc2[k, u] += (T - t) * (T - t) * e
        tprev = t
    for u in range(U):
        b = betas[u]
        ib = nmu + nA + u
        for k in range(K):
            for j in range(K):
                ia = nmu + (k * K + j) * U + u
                Hs[ia, ib] -= b * Hc[j, u]
                Hs[ib, ia] -= b * Hc[j, u]
                Hs[ib, ib] -= A[k, j, u] * b * (Hc[j, u] - b * Hc2[j, u])
    return Hs


@numba.njit(cache=True)
def _compensator_at_events(times, marks, regs, mu, A, betas, breaks):  # pragma: no cover
    """Lambda_{k_n}(t_n) = int_0^{t_n} lambda_{k_n}: the time-rescaled position of each event."""
    K, R = mu.shape
    U = betas.shape[0]
    E = np.zeros((K, U))
    cnt = np.zeros(K)
    out = np.empty(times.shape[0])
    tprev = 0.0
    for n in range(times.shape[0]):
        t = times[n]
        for u in range(U):
            dec = math.exp(-betas[u] * (t - tprev))
            for j in range(K):
                E[j, u] *= dec
        k = marks[n]
        # background integral over [0, t] across regimes
        base = 0.0
        lo = 0.0
        for r in range(R):
            hi = breaks[r] if r < R - 1 else np.inf
            if t <= lo:
                break
            base += mu[k, r] * (min(t, hi) - lo)
            lo = hi
        exc = 0.0
        for j in range(K):
            for u in range(U):
                exc += A[k, j, u] * (cnt[j] - E[j, u])
        out[n] = base + exc
        cnt[k] += 1.0
        for u in range(U):
            E[k, u] += 1.0
        tprev = t
    return out


def loglik_direct(times: np.ndarray, marks: np.ndarray, mu: np.ndarray, A: np.ndarray,
                  betas: np.ndarray, T: float, breaks: np.ndarray) -> float:
    """The log-likelihood by the direct double sum, O(N^2): the reference implementation."""
    K, R = mu.shape
    edges = np.concatenate([[0.0], breaks, [T]])
    regs = np.searchsorted(breaks, times, side="right")
    ll = 0.0
    for n in range(len(times)):
        k = marks[n]
        past = times[:n] < times[n]
        dt = times[n] - times[:n][past]
        src = marks[:n][past]
        lam = mu[k, regs[n]]
        for u, b in enumerate(betas):
            lam += np.sum(A[k, src, u] * b * np.exp(-b * dt))
        ll += math.log(lam)
    ll -= float(np.sum(mu * np.diff(edges)[None, :]))
    for u, b in enumerate(betas):
        tail = 1.0 - np.exp(-b * (T - times))
        for k in range(K):
            ll -= float(np.sum(A[k, marks, u] * tail))
    return ll


def merge_streams(times_by_stream: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Merge per-stream times into sorted ``(times, marks)``."""
    times = np.concatenate([np.asarray(t, dtype=float) for t in times_by_stream]) \
        if times_by_stream else np.zeros(0)
    marks = np.concatenate([np.full(len(t), k, dtype=np.int64)
                            for k, t in enumerate(times_by_stream)]) if times_by_stream else \
        np.zeros(0, dtype=np.int64)
    order = np.argsort(times, kind="stable")
    return times[order], marks[order]


def loglik(times: np.ndarray, marks: np.ndarray, mu: np.ndarray, A: np.ndarray,
           betas: np.ndarray, T: float, breaks: np.ndarray) -> float:
    """The O(N K U) recursive log-likelihood (Ozaki 1979) for merged, sorted data."""
    regs = np.searchsorted(breaks, times, side="right").astype(np.int64)
    lengths = np.diff(np.concatenate([[0.0], breaks, [T]]))
    ll, *_ = _loglik_grad(times, marks, regs, np.ascontiguousarray(mu, dtype=float),
                          np.ascontiguousarray(A, dtype=float), np.asarray(betas, dtype=float),
                          float(T), lengths)
    return float(ll)


def spectral_radius(G: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(G))))


def _spectral_radius_grad(G: np.ndarray) -> np.ndarray:
    """d rho / d G = v u' / (v' u) for the Perron root (u right, v left eigenvector)."""
    w, V = np.linalg.eig(G)
    i = int(np.argmax(np.abs(w)))
    u = np.real(V[:, i])
    wl, Vl = np.linalg.eig(G.T)
    v = np.real(Vl[:, int(np.argmax(np.abs(wl)))])
    den = float(v @ u)
    if abs(den) < 1e-12:
        return np.zeros_like(G)
    return np.outer(v, u) / den


def _covariance(info: np.ndarray, x: np.ndarray, bounds: list) -> tuple[np.ndarray, list[str]]:
    """Inverse observed information. A background rate pinned at its floor (no events of that
    stream in that regime beyond what excitation explains) carries no usable curvature: it is
    left out of the inversion and gets zero variance, with a note."""
    notes: list[str] = []
    p = x.size
    stuck = np.array([bounds[i][0] == MU_FLOOR and x[i] <= MU_FLOOR * 1.0001 for i in range(p)])
    keep = ~stuck
    cov = np.zeros((p, p))
    sub = info[np.ix_(keep, keep)]
    try:
        inv = np.linalg.inv(sub)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(sub)
    if not np.all(np.isfinite(inv)) or np.any(np.diag(inv) < 0):
        inv = np.linalg.pinv(sub)
        notes.append("the information matrix is not positive definite at the optimum; "
                     "intervals are unreliable")
    cov[np.ix_(keep, keep)] = inv
    if stuck.any():
        notes.append(f"{int(stuck.sum())} background rate(s) at zero: no events left for the "
                     "background in that stream and regime")
    return cov, notes


# ---------------------------------------------------------------------------------------------
# estimator
# ---------------------------------------------------------------------------------------------


class HawkesProcess:
    """Multivariate Hawkes process (see the module docstring for the formulas).

    Settings in the constructor, data in :meth:`fit`::

        h = HawkesProcess(kernel="exp", breaks=[4000.0], regime_names=["before", "after"])
        h.fit([ttp_times, isk_times], T=4383.0, stream_names=["ttp", "is-k"])
        h.excitation_, h.excitation_ci(alpha=0.1), h.branching_ratio_, h.half_lives_
        sims = h.simulate(4500.0, rng=np.random.default_rng(1), history=[ttp_times, isk_times],
                          t_start=4383.0)

    ``breaks`` are the times (same unit as the events, from 0) where the background rate may
    change; ``decays`` fixes the decay rates (required for ``sumexp``; for ``exp`` leave it
    ``None`` to estimate the one decay). ``decay_bounds`` (``(low, high)`` rates) keeps an
    estimated decay in a plausible range: without excitation the decay is not identified, and a
    near-zero decay lets the kernel impersonate a slow trend in the background.
    """

    def __init__(self, kernel: Kernel = "exp", *, decays: Sequence[float] | None = None,
                 breaks: Sequence[float] = (), regime_names: Sequence[str] | None = None,
                 decay_bounds: tuple[float, float] | None = None,
                 max_iter: int = 2000) -> None:
        self.kernel = kernel
        self.decays = decays
        self.decay_bounds = decay_bounds
        self.breaks = breaks
        self.regime_names = regime_names
        self.max_iter = max_iter

    # -- input checks ---------------------------------------------------------------------

    def _settings(self) -> tuple[np.ndarray, bool, np.ndarray]:
        if self.kernel not in ("exp", "sumexp"):
            raise SarhadError(f"kernel must be 'exp' or 'sumexp', got {self.kernel!r}")
        if self.kernel == "sumexp":
            if self.decays is None or len(self.decays) == 0:
                raise SarhadError("kernel='sumexp' needs fixed decays, e.g. decays=[0.1, 1.0]")
            betas, free = np.asarray(self.decays, dtype=float), False
        elif self.decays is None:
            betas, free = np.array([1.0]), True
        else:
            betas, free = np.asarray(self.decays, dtype=float), False
            if betas.size != 1:
                raise SarhadError("kernel='exp' takes at most one decay; use 'sumexp' for more")
        if np.any(~np.isfinite(betas)) or np.any(betas <= 0):
            raise SarhadError(f"decays must be positive numbers, got {list(betas)}")
        breaks = np.asarray(self.breaks, dtype=float)
        if breaks.ndim != 1 or np.any(np.diff(breaks) <= 0):
            raise SarhadError("breaks must be increasing times")
        return betas, free, breaks

    # -- fitting --------------------------------------------------------------------------

    def fit(self, times_by_stream: Sequence[np.ndarray] | Mapping[str, np.ndarray], *,
            T: float, stream_names: Sequence[str] | None = None) -> HawkesProcess:
        """Maximum likelihood on ``[0, T]`` (L-BFGS-B on ``(mu, A, log beta)`` with the analytic
        gradient; ``mu > 0``, ``A >= 0``). Standard errors from the observed information."""
        betas0, free, breaks = self._settings()
        if isinstance(times_by_stream, Mapping):
            stream_names = list(times_by_stream)
            times_by_stream = [times_by_stream[k] for k in stream_names]
        streams = [np.asarray(t, dtype=float) for t in times_by_stream]
        K = len(streams)
        if K == 0:
            raise SarhadError("no streams given: pass a list of event-time arrays")
        names = list(stream_names) if stream_names is not None else [f"s{k}" for k in range(K)]
        if len(names) != K:
            raise SarhadError(f"{len(names)} stream names for {K} streams")
        if not (np.isfinite(T) and T > 0):
            raise SarhadError(f"T must be a positive end time, got {T}")
        for name, t in zip(names, streams, strict=True):
            if t.ndim != 1 or np.any(~np.isfinite(t)):
                raise SarhadError(f"stream {name!r}: times must be a 1-d array of finite numbers")
            if t.size and (t.min() < 0 or t.max() > T):
                raise SarhadError(f"stream {name!r}: times must lie in [0, T={T}]")
            if t.size < 2:
                raise SarhadError(f"stream {name!r} has {t.size} events: too few to fit a Hawkes "
                                  "model (need at least 2 per stream; in practice dozens)")
        if breaks.size and (breaks[0] <= 0 or breaks[-1] >= T):
            raise SarhadError(f"breaks must lie strictly inside (0, T={T})")
        times, marks = merge_streams(streams)
        if np.any(np.diff(times) <= 0):
            raise SarhadError("event times have ties; break them first (e.g. "
                              "sarhad.dynamics.events.jitter_days, a seeded uniform jitter)")
        R = breaks.size + 1
        U = betas0.size
        regs = np.searchsorted(breaks, times, side="right").astype(np.int64)
        lengths = np.diff(np.concatenate([[0.0], breaks, [T]]))
        nmu, nA = K * R, K * K * U

        def unpack(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            mu = x[:nmu].reshape(K, R)
            A = x[nmu:nmu + nA].reshape(K, K, U)
            b = np.exp(x[nmu + nA:]) if free else betas0
            return mu, A, b

        def negll(x: np.ndarray) -> tuple[float, np.ndarray]:
            mu, A, b = unpack(x)
            ll, gmu, gA, gb = _loglik_grad(times, marks, regs, np.ascontiguousarray(mu),
                                           np.ascontiguousarray(A), b, float(T), lengths)
            if not np.isfinite(ll):
                return 1e300, np.zeros_like(x)
            g = [gmu.ravel(), gA.ravel()] + ([gb * b] if free else [])
            return -ll, -np.concatenate(g)

        counts = np.array([[np.sum((marks == k) & (regs == r)) for r in range(R)]
                           for k in range(K)], dtype=float)
        mu0 = np.maximum(0.5 * counts / lengths[None, :], 1e-6)
        A0 = np.full((K, K, U), 0.3 / (K * U))
        if free:
            # pick the starting decay from a coarse grid around the mean event spacing
            spacing = T / max(len(times), 1)
            grid = np.log(np.array([0.03, 0.3, 3.0, 30.0]) / spacing)
            grid = np.clip(grid, *(LOG_BETA_BOUNDS if self.decay_bounds is None else
                                   (math.log(self.decay_bounds[0]),
                                    math.log(self.decay_bounds[1]))))
            lb0 = max(grid, key=lambda g: -negll(np.concatenate([mu0.ravel(), A0.ravel(),
                                                                  [g]]))[0])
            x0 = np.concatenate([mu0.ravel(), A0.ravel(), [lb0]])
        else:
            x0 = np.concatenate([mu0.ravel(), A0.ravel()])
        lb_bounds = LOG_BETA_BOUNDS
        if self.decay_bounds is not None:
            lo_b, hi_b = self.decay_bounds
            if not 0 < lo_b < hi_b:
                raise SarhadError(f"decay_bounds must be 0 < low < high, got {self.decay_bounds}")
            lb_bounds = (math.log(lo_b), math.log(hi_b))
        bounds = [(MU_FLOOR, None)] * nmu + [(0.0, None)] * nA + \
            ([lb_bounds] if free else [])
        with single_thread_blas():
            res = optimize.minimize(negll, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                                    options={"maxiter": self.max_iter, "ftol": 1e-13,
                                             "gtol": 1e-7, "maxcor": 30})
        x = res.x
        self.converged_ = bool(res.success) or res.status == 2  # status 2: no further progress
        self.n_iter_ = int(res.nit)
        self.loglik_ = -float(res.fun)
        mu, A, b = unpack(x)

        Hll = _loglik_hessian(times, marks, regs, np.ascontiguousarray(mu),
                              np.ascontiguousarray(A), b, float(T), lengths)
        if not free:
            Hll = Hll[:nmu + nA, :nmu + nA]
        cov, self.notes_ = _covariance(-Hll, x, bounds)
        self._x, self._cov, self._free, self._nmu, self._nA = x, cov, free, nmu, nA
        self._negll, self._bounds = negll, bounds
        self.optimizer_message_ = str(res.message)
        self.stream_names_ = names
        self.regime_names_ = list(self.regime_names) if self.regime_names else \
            [f"r{r}" for r in range(R)]
        if len(self.regime_names_) != R:
            raise SarhadError(f"{len(self.regime_names_)} regime names for {R} regimes "
                              f"({breaks.size} breaks)")
        self.background_ = mu.copy()
        self.adjacency_ = A.copy()
        self.decays_ = b.copy()
        self.excitation_ = A.sum(axis=2)
        self.branching_ratio_ = spectral_radius(self.excitation_)
        self.half_lives_ = math.log(2) / b
        self.T_ = float(T)
        self.breaks_ = breaks
        self.n_events_ = np.array([s.size for s in streams])
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        self.background_se_ = se[:nmu].reshape(K, R)
        self.excitation_se_ = np.sqrt(np.clip(np.einsum(
            "kjukjv->kj", cov[nmu:nmu + nA, nmu:nmu + nA].reshape(K, K, U, K, K, U)), 0, None))
        return self

    # -- inference ------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "excitation_"):
            raise SarhadError("the Hawkes model is not fitted yet: call fit(...) first")

    def excitation_ci(self, alpha: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
        """Wald ``1 - alpha`` intervals for the excitation matrix, the lower end clipped at 0
        (an excitation cannot be negative; a linear Hawkes model cannot express inhibition)."""
        self._check_fitted()
        z = stats.norm.ppf(1 - alpha / 2)
        lo = np.maximum(self.excitation_ - z * self.excitation_se_, 0.0)
        return lo, self.excitation_ + z * self.excitation_se_

    def background_ci(self, alpha: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        z = stats.norm.ppf(1 - alpha / 2)
        return (np.maximum(self.background_ - z * self.background_se_, 0.0),
                self.background_ + z * self.background_se_)

    def branching_ratio_ci(self, alpha: float = 0.1) -> tuple[float, float]:
        """Delta-method interval for the spectral radius of the excitation matrix."""
        self._check_fitted()
        K, U = self.excitation_.shape[0], self.adjacency_.shape[2]
        grad_G = _spectral_radius_grad(self.excitation_)
        g = np.zeros(self._x.size)
        # d rho / d A[k,j,u] = d rho / d G[k,j] for every u
        g[self._nmu:self._nmu + self._nA] = np.repeat(grad_G[:, :, None], U, axis=2).ravel()
        se = math.sqrt(max(float(g @ self._cov @ g), 0.0))
        z = stats.norm.ppf(1 - alpha / 2)
        del K
        return max(self.branching_ratio_ - z * se, 0.0), self.branching_ratio_ + z * se

    def profile_excitation_ci(self, target: int, source: int, *,
                              alpha: float = 0.1) -> tuple[float, float]:
        """Profile-likelihood interval for one excitation entry ``G[target, source]`` (Venzon &
        Moolgavkar 1988): the values ``a`` with ``2 (ll_hat - max ll | G[target, source] = a)
        <= chi2_1(1 - alpha)``, every other parameter (decay included) re-estimated. More
        trustworthy than the Wald interval near zero or with few events. Exponential kernel
        only (one component per pair)."""
        self._check_fitted()
        if self.adjacency_.shape[2] != 1:
            raise SarhadError("profile intervals are implemented for kernel='exp' only")
        K = self.excitation_.shape[0]
        if not (0 <= target < K and 0 <= source < K):
            raise SarhadError(f"stream indices must be in 0..{K - 1}")
        i = self._nmu + target * K + source
        crit = stats.chi2.ppf(1 - alpha, 1) / 2
        a_hat = float(self._x[i])

        def deficit(a: float) -> float:
            bounds = list(self._bounds)
            bounds[i] = (a, a)
            x0 = self._x.copy()
            x0[i] = a
            with single_thread_blas():
                res = optimize.minimize(self._negll, x0, jac=True, method="L-BFGS-B",
                                        bounds=bounds,
                                        options={"maxiter": self.max_iter, "ftol": 1e-13,
                                                 "gtol": 1e-7, "maxcor": 30})
            return self.loglik_ - (-float(res.fun)) - crit

        if a_hat <= 0 or deficit(0.0) <= 0:
            lower = 0.0
        else:
            lower = float(optimize.brentq(deficit, 0.0, a_hat, xtol=1e-5))
        se = float(self.excitation_se_[target, source])
        step = max(se if np.isfinite(se) else 0.0, 0.05 * (a_hat + 0.1), 0.01)
        prev, upper = a_hat, math.inf
        for _ in range(40):
            a = prev + step
            if deficit(a) > 0:
                upper = float(optimize.brentq(deficit, prev, a, xtol=1e-5))
                break
            prev, step = a, step * 1.6
        return lower, upper

    def half_life_ci(self, alpha: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
        """Intervals for ``ln 2 / beta`` from the Wald interval of ``log beta`` (fixed decays
        give a zero-width interval)."""
        self._check_fitted()
        if not self._free:
            return self.half_lives_.copy(), self.half_lives_.copy()
        z = stats.norm.ppf(1 - alpha / 2)
        se = math.sqrt(max(self._cov[-1, -1], 0.0))
        lb = math.log(self.decays_[0])
        return (np.array([math.log(2) / math.exp(lb + z * se)]),
                np.array([math.log(2) / math.exp(lb - z * se)]))

    def intensity(self, t: np.ndarray, times_by_stream: Sequence[np.ndarray]) -> np.ndarray:
        """``(len(t), K)`` conditional intensities at times ``t`` given past events."""
        self._check_fitted()
        t = np.asarray(t, dtype=float)
        K, U = self.excitation_.shape[0], self.decays_.size
        out = np.empty((t.size, K))
        regs = np.searchsorted(self.breaks_, t, side="right").clip(0, self.background_.shape[1] - 1)
        out[:] = self.background_[:, regs].T
        for j, tj in enumerate(times_by_stream):
            tj = np.asarray(tj, dtype=float)
            dt = t[:, None] - tj[None, :]
            mask = dt > 0
            for u in range(U):
                b = self.decays_[u]
                s = np.where(mask, b * np.exp(-b * np.where(mask, dt, 0.0)), 0.0).sum(axis=1)
                out += s[:, None] * self.adjacency_[:, j, u][None, :]
        del K
        return out

    # -- simulation -----------------------------------------------------------------------

    def simulate(self, T_end: float, *, rng: np.random.Generator, t_start: float = 0.0,
                 history: Sequence[np.ndarray] | None = None,
                 max_events: int = 5_000_000) -> list[np.ndarray]:
        """Simulate event times on ``(t_start, T_end]`` by the cluster (branching) method
        (Hawkes & Oakes 1974; Møller & Rasmussen 2005).

        Immigrants arrive as Poisson processes at the background rate of each regime (the last
        regime continues past the fitted window). Every event begets, for each stream ``k`` and
        component ``u``, ``Poisson(A[k, j, u])`` children at exponential delays of rate
        ``beta_u``. Events in ``history`` (times before ``t_start``) contribute only the
        children that fall after ``t_start``: by memorylessness there are
        ``Poisson(A[k,j,u] exp(-beta_u (t_start - t_i)))`` of them at ``t_start`` plus an
        exponential delay. Returns one sorted array per stream.
        """
        self._check_fitted()
        if not isinstance(rng, np.random.Generator):
            raise SarhadError("rng must be a numpy.random.Generator (seeded)")
        if not T_end > t_start:
            raise SarhadError(f"T_end ({T_end}) must be after t_start ({t_start})")
        K = self.excitation_.shape[0]
        betas, mu, breaks = self.decays_, self.background_, self.breaks_
        U = betas.size
        # immigrants
        edges = np.concatenate([[-np.inf], breaks, [np.inf]])
        im_t, im_k = [], []
        for r in range(mu.shape[1]):
            lo, hi = max(edges[r], t_start), min(edges[r + 1], T_end)
            if hi <= lo:
                continue
            for k in range(K):
                n = rng.poisson(mu[k, r] * (hi - lo))
                im_t.append(rng.uniform(lo, hi, n))
                im_k.append(np.full(n, k, dtype=np.int64))
        all_t = [np.concatenate(im_t) if im_t else np.zeros(0)]
        all_k = [np.concatenate(im_k) if im_k else np.zeros(0, dtype=np.int64)]
        # first generation from the history
        gen_t, gen_k = all_t[0], all_k[0]
        if history is not None:
            if len(history) != K:
                raise SarhadError(f"history has {len(history)} streams; the model has {K}")
            ht, hk = merge_streams([np.asarray(h, dtype=float) for h in history])
            ht, hk = ht[ht <= t_start], hk[ht <= t_start]
            w = np.exp(-betas[None, :] * (t_start - ht)[:, None])  # (P, U)
            ct, ck = self._children(np.full(ht.size, t_start), hk, w, rng, T_end)
            all_t.append(ct)
            all_k.append(ck)
            gen_t = np.concatenate([gen_t, ct])
            gen_k = np.concatenate([gen_k, ck])
        total = sum(a.size for a in all_t)
        while gen_t.size:
            gen_t, gen_k = self._children(gen_t, gen_k, np.ones((gen_t.size, U)), rng, T_end)
            all_t.append(gen_t)
            all_k.append(gen_k)
            total += gen_t.size
            if total > max_events:
                raise SarhadError(f"simulation exceeded {max_events} events (branching ratio "
                                  f"{self.branching_ratio_:.2f}: the process may be explosive)")
        t_all = np.concatenate(all_t)
        k_all = np.concatenate(all_k)
        return [np.sort(t_all[k_all == s]) for s in range(K)]

    def sample_counts(self, edges: Sequence[float] | np.ndarray, *, draws: int,
                      rng: np.random.Generator,
                      history: Sequence[np.ndarray] | None = None) -> np.ndarray:
        """Simulated event counts per bin: int64 array ``(draws, len(edges) - 1, K)``, bins
        ``(edges[i], edges[i+1]]``, each draw an independent :meth:`simulate` from
        ``edges[0]`` given ``history`` (e.g. months ahead of the fitted window, for a
        forecaster)."""
        self._check_fitted()
        e = np.asarray(edges, dtype=float)
        if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
            raise SarhadError("edges must be at least two increasing times")
        if not isinstance(draws, int | np.integer) or draws < 1:
            raise SarhadError(f"draws must be a positive integer, got {draws!r}")
        K = self.excitation_.shape[0]
        out = np.zeros((draws, e.size - 1, K), dtype=np.int64)
        for d in range(draws):
            sims = self.simulate(float(e[-1]), rng=rng, t_start=float(e[0]), history=history)
            for k, tk in enumerate(sims):
                # right-closed bins: an event at exactly edges[i+1] belongs to bin i
                idx = np.searchsorted(e, tk, side="left") - 1
                out[d, :, k] = np.bincount(idx[(idx >= 0) & (idx < e.size - 1)],
                                           minlength=e.size - 1)
        return out

    def _children(self, parents_t: np.ndarray, parents_k: np.ndarray, weight: np.ndarray,
                  rng: np.random.Generator, T_end: float) -> tuple[np.ndarray, np.ndarray]:
        K, U = self.excitation_.shape[0], self.decays_.size
        if parents_t.size == 0:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        # expected children of each parent in each (stream k, component u)
        lam = self.adjacency_[:, parents_k, :].transpose(1, 0, 2) * weight[:, None, :]
        n = rng.poisson(lam)  # (P, K, U)
        flat = n.ravel()
        idx = np.repeat(np.arange(flat.size), flat)
        p_idx, rem = np.divmod(idx, K * U)
        k_idx, u_idx = np.divmod(rem, U)
        t = parents_t[p_idx] + rng.exponential(1.0, idx.size) / self.decays_[u_idx]
        keep = t <= T_end
        return t[keep], k_idx[keep].astype(np.int64)

    def summary(self, alpha: float = 0.1) -> dict:
        """Plain dict of the fitted quantities with ``1 - alpha`` intervals (for JSON)."""
        self._check_fitted()
        elo, ehi = self.excitation_ci(alpha)
        blo, bhi = self.branching_ratio_ci(alpha)
        hlo, hhi = self.half_life_ci(alpha)
        return {
            "streams": self.stream_names_, "regimes": self.regime_names_,
            "n_events": self.n_events_.tolist(), "T": self.T_,
            "background": self.background_.tolist(),
            "excitation": self.excitation_.tolist(),
            "excitation_lower": elo.tolist(), "excitation_upper": ehi.tolist(),
            "branching_ratio": self.branching_ratio_, "branching_ratio_interval": [blo, bhi],
            "decays": self.decays_.tolist(), "half_lives": self.half_lives_.tolist(),
            "half_life_lower": hlo.tolist(), "half_life_upper": hhi.tolist(),
            "loglik": self.loglik_, "converged": self.converged_, "level": 1 - alpha,
        }
