"""Benchmark of the negotiation model (issue 6): every KTAB input, and the 2021-22 talks case.

Prints, per input, sarhad's time (best and median of several runs, after one warm-up that loads
the compiled kernels) beside KTAB's own times on this machine class (optimised -O3 build,
from ../shared/peers/README.md), the speed-up over KTAB, and the speed-up of the compiled
kernels over sarhad's own plain-numpy path measured in this process. Then 1,000 draws of the
bundled talks case, deterministic and stochastic transitions.

    .venv/bin/python bench/bench_bargain.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from sarhad.bargain import Options, SpatialModel, read_ktab_csv
from sarhad.bargain.talks import load_talks, run_talks
from sarhad.kb import load_scenario

INPUTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "ktab" / "inputs"
# KTAB optimised build, seconds, as published in ../shared/peers/README.md
KTAB_SECONDS = {"SOE-Pol-Comp": 0.54, "dummyData_3Dim": 0.08, "dummyData_6Dim": 4.3,
                "dummyData-a040": 8.7, "dummyData-a080": 125.0}


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--draws", type=int, default=1000)
    args = ap.parse_args()

    SpatialModel().fit(read_ktab_csv(INPUTS / "dummyData_3Dim.csv"))   # warm-up: load kernels
    print(f"{'input':18s} {'actors x dims':>13s} {'states':>6s} {'best s':>8s} {'median s':>9s} "
          f"{'KTAB s':>7s} {'x KTAB':>7s} {'numpy s':>8s} {'x numpy':>8s}")
    for path in sorted(INPUTS.glob("*.csv")):
        d = read_ktab_csv(path)
        m = SpatialModel().fit(d)
        best, med = timed(lambda d=d: SpatialModel().fit(d), args.repeat)
        ref, _ = timed(lambda d=d: SpatialModel(use_kernels=False).fit(d), 1)
        k = KTAB_SECONDS.get(path.stem)
        ktab = f"{k:7.2f} {k / best:7.0f}" if k else f"{'-':>7s} {'-':>7s}"
        shape = f"{len(d.actors)} x {len(d.dimensions)}"
        print(f"{path.stem:18s} {shape:>13s} {m.n_states_:6d} {best:8.3f} {med:9.3f} {ktab} "
              f"{ref:8.3f} {ref / best:8.1f}")

    talks = load_talks(load_scenario())
    run_talks(talks, draws=20, rng=np.random.default_rng(0))
    n = len(talks.actors)
    for mode in ("Deterministic", "Stochastic"):
        o = Options(state_transitions=mode)   # type: ignore[arg-type]
        best, med = timed(lambda o=o: run_talks(talks, draws=args.draws,
                                                rng=np.random.default_rng(1), options=o),
                          max(1, args.repeat // 2))
        print(f"talks case ({n} actors x {len(talks.dimensions)} issues), {args.draws} draws, "
              f"{mode.lower()} transitions: best {best:.2f} s, median {med:.2f} s "
              f"(target < 10 s: {10 / best:.0f}x under)")


if __name__ == "__main__":
    main()
