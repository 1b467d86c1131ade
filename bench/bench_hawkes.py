"""Benchmark: multivariate Hawkes fitting and the O(N K) recursive likelihood.

Prints absolute figures and ratios measured in this process:

1. Fit time of a 5-stream exponential-kernel Hawkes model to ~100,000 simulated events
   (target: at most 2 s), and whether the truth is recovered.
2. One recursive likelihood evaluation (numba, O(N K)) against the direct O(N^2) double sum:
   the package's numpy reference (``loglik_direct``) and a compiled (numba) double sum, timed on
   subsets and extrapolated to N as N^2 (printed as such), plus the equality of the values.
3. ``tick`` (``HawkesExpKern``) on the same data, if it imports in the current interpreter;
   otherwise the reason. Run ``python bench/bench_hawkes.py --tick-python /tmp/tickenv/bin/python``
   to try it in a separate venv.

Usage: .venv/bin/python bench/bench_hawkes.py [--events 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np

from sarhad.dynamics import HawkesProcess
from sarhad.dynamics.hawkes import loglik, loglik_direct, merge_streams, spectral_radius

K = 5


@numba.njit(cache=True)
def _direct_numba(times, marks, mu, A, beta, T):  # pragma: no cover - numba
    """O(N^2) double sum, compiled: the fair direct baseline."""
    ll = 0.0
    N = times.shape[0]
    for n in range(N):
        lam = mu[marks[n]]
        for i in range(n):
            lam += A[marks[n], marks[i]] * beta * math.exp(-beta * (times[n] - times[i]))
        ll += math.log(lam)
    for k in range(mu.shape[0]):
        ll -= mu[k] * T
    for i in range(N):
        tail = 1.0 - math.exp(-beta * (T - times[i]))
        for k in range(mu.shape[0]):
            ll -= A[k, marks[i]] * tail
    return ll


def truth(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    G = rng.uniform(0.0, 0.12, (K, K))
    G[np.diag_indices(K)] = rng.uniform(0.2, 0.35, K)
    mu = rng.uniform(0.5, 1.5, K)
    return mu, G, 2.0


def model_from(mu: np.ndarray, G: np.ndarray, beta: float) -> HawkesProcess:
    h = HawkesProcess()
    h.background_ = mu[:, None].copy()
    h.adjacency_ = G[:, :, None].copy()
    h.decays_ = np.array([beta])
    h.excitation_ = G.copy()
    h.branching_ratio_ = spectral_radius(G)
    h.breaks_ = np.zeros(0)
    return h


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def try_tick(times: list[np.ndarray], beta: float, python: str | None) -> list[str]:
    """Fit tick's HawkesExpKern (decay fixed at the truth) in ``python``, by least squares
    (tick's default) and by likelihood; one line per attempt."""
    code = (
        "import json,sys,time,numpy as np\n"
        "from tick.hawkes import HawkesExpKern\n"
        "d=json.load(open(sys.argv[1]))\n"
        "ts=[np.array(t,dtype=float) for t in d['times']]\n"
        "for gofit in ('least-squares','likelihood'):\n"
        "    try:\n"
        "        m=HawkesExpKern(decays=d['beta'],gofit=gofit,verbose=False,max_iter=1000,"
        "tol=1e-8)\n"
        "        t0=time.perf_counter(); m.fit(ts); dt=time.perf_counter()-t0\n"
        "        print(json.dumps({'gofit':gofit,'seconds':dt,"
        "'adjacency':np.asarray(m.adjacency).tolist()}))\n"
        "    except Exception as e:\n"
        "        print(json.dumps({'gofit':gofit,'error':type(e).__name__+': '+str(e).strip()}))\n")
    data = Path("/tmp/sarhad_bench_hawkes.json")
    data.write_text(json.dumps({"times": [t.tolist() for t in times], "beta": beta}))
    script = Path("/tmp/sarhad_bench_tick.py")
    script.write_text(code)
    exe = python or sys.executable
    proc = subprocess.run([exe, str(script), str(data)], capture_output=True, text=True,
                          timeout=900)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        return [f"tick could not run with {exe}: {last}"]
    out = []
    for line in proc.stdout.strip().splitlines():
        res = json.loads(line)
        if "error" in res:
            out.append(f"tick HawkesExpKern gofit={res['gofit']}: failed ({res['error']})")
        else:
            out.append(f"tick HawkesExpKern gofit={res['gofit']} (decay fixed at the truth): "
                       f"{res['seconds']:.3f} s; G[0] = "
                       f"{np.round(np.array(res['adjacency'])[0], 3).tolist()}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tick-python", default=None,
                    help="Python of a venv with tick installed (default: this one)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    mu, G, beta = truth(rng)
    model = model_from(mu, G, beta)
    rate = np.linalg.solve(np.eye(K) - G, mu).sum()
    T = args.events / rate
    streams = model.simulate(T, rng=rng)
    n = sum(s.size for s in streams)
    print(f"data: {K} streams, {n:,} events on [0, {T:,.0f}], branching ratio "
          f"{spectral_radius(G):.3f}, decay {beta}")

    # warm up numba (compilation is cached on disk but loading it is not free)
    HawkesProcess().fit([s[:200] for s in streams], T=float(max(s[199] for s in streams)) + 1)

    t_fit, h = timed(lambda: HawkesProcess().fit(streams, T=T), repeat=3)
    assert isinstance(h, HawkesProcess)
    lo, hi = h.excitation_ci(alpha=0.01)
    covered = float(np.mean((lo <= G) & (hi >= G)))
    print(f"fit (exp kernel, decay estimated, {h.n_iter_} iterations): {t_fit:.3f} s "
          f"[target <= 2 s]; max |G_hat - G| = {np.max(np.abs(h.excitation_ - G)):.4f}; "
          f"decay {h.decays_[0]:.3f} (truth {beta}); 99% intervals cover {covered:.0%} of G")

    times, marks = merge_streams(streams)
    mu2, A3 = mu[:, None], G[:, :, None]
    bet = np.array([beta])
    t_rec, ll_rec = timed(lambda: loglik(times, marks, mu2, A3, bet, T, np.zeros(0)), repeat=5)
    print(f"recursive likelihood O(N K), N={n:,}: {t_rec * 1e3:.2f} ms")

    # direct double sums on subsets, extrapolated as N^2
    for m in (2_000, 5_000):
        sub_t, sub_k = times[:m], marks[:m]
        Tm = float(sub_t[-1]) + 1e-9
        t_np, ll_np = timed(lambda st=sub_t, sk=sub_k, tm=Tm: loglik_direct(
            st, sk, mu2, A3, bet, tm, np.zeros(0)), repeat=1)
        ll_fast = loglik(sub_t, sub_k, mu2, A3, bet, Tm, np.zeros(0))
        print(f"direct O(N^2) numpy reference, N={m:,}: {t_np:.3f} s "
              f"(|recursive - direct| = {abs(ll_fast - ll_np):.2e}); extrapolated to "
              f"N={n:,}: {t_np * (n / m) ** 2:,.0f} s")
    _direct_numba(times[:100], marks[:100], mu, G, beta, float(times[99]) + 1)
    m = 20_000
    Tm = float(times[m - 1]) + 1e-9
    t_nb, ll_nb = timed(lambda: _direct_numba(times[:m], marks[:m], mu, G, beta, Tm), repeat=1)
    t_rec_m, ll_rec_m = timed(lambda: loglik(times[:m], marks[:m], mu2, A3, bet, Tm,
                                             np.zeros(0)), repeat=5)
    extrap = t_nb * (n / m) ** 2
    print(f"direct O(N^2) compiled (numba), N={m:,}: {t_nb:.3f} s vs recursive "
          f"{t_rec_m * 1e3:.2f} ms: speed-up x{t_nb / t_rec_m:,.0f} "
          f"(|diff| = {abs(ll_nb - ll_rec_m):.2e})")
    print(f"speed-up of the recursive likelihood at N={n:,} (direct compiled time "
          f"extrapolated as N^2 = {extrap:,.0f} s): x{extrap / t_rec:,.0f}")
    del ll_rec

    t_fix, hf = timed(lambda: HawkesProcess("exp", decays=[beta]).fit(streams, T=T), repeat=3)
    assert isinstance(hf, HawkesProcess)
    print(f"truth G[0] = {np.round(G[0], 3).tolist()}")
    print(f"sarhad, decay fixed at the truth (likelihood): {t_fix:.3f} s; G[0] = "
          f"{np.round(hf.excitation_[0], 3).tolist()}")
    try:
        for line in try_tick(streams, beta, args.tick_python):
            print(line)
    except (subprocess.TimeoutExpired, OSError) as err:
        print(f"tick: could not run ({err})")


if __name__ == "__main__":
    main()
