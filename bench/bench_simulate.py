"""Benchmark: the vectorised scenario simulator against the per-run loop oracle.

Target (issue 7): 10,000 runs x 48 months of the bundled scenario in at most 2 s, at least 50x
faster than the per-run Python loop oracle (tests/simulate/oracle.py) in the same process, with
memory under 2 GB. The oracle is timed on a subset of runs of the same draws (checked to agree
run for run) and scaled linearly to 10,000 runs, since it costs the same per run.

Run: .venv/bin/python bench/bench_simulate.py [--runs 10000] [--months 48] [--oracle-runs 200]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=48)
    ap.add_argument("--oracle-runs", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--policy", default="talks-then-strikes")
    a = ap.parse_args()

    from tests.simulate.oracle import oracle_run

    from sarhad.kb import load_scenario
    from sarhad.simulate.engine import Simulator, run_draws
    from sarhad.simulate.policies import compile_policy

    t0 = time.perf_counter()
    sim = Simulator(load_scenario())
    setup = time.perf_counter() - t0
    lv = compile_policy(sim.spec, a.policy)

    times, draw_times, run_times = [], [], []
    ens = d = None
    for i in range(a.repeat):
        t0 = time.perf_counter()
        d = sim.draw(a.runs, a.months, seed=i)
        t1 = time.perf_counter()
        ens = run_draws(sim.spec, sim.baseline, sim.ctx, lv, d)
        t2 = time.perf_counter()
        draw_times.append(t1 - t0)
        run_times.append(t2 - t1)
        times.append(t2 - t0)
    best = min(times)
    assert ens is not None and d is not None

    rows = range(a.oracle_runs)
    t0 = time.perf_counter()
    ttp, isk, cf, _, _ = oracle_run(sim.spec, sim.baseline, sim.ctx, lv, d, rows=rows)
    oracle = time.perf_counter() - t0
    agree = (np.array_equal(ttp, ens.ttp[: a.oracle_runs])
             and np.array_equal(isk, ens.isk_fatalities[: a.oracle_runs])
             and np.array_equal(cf, ens.ceasefire[: a.oracle_runs]))
    oracle_full = oracle / a.oracle_runs * a.runs

    del ens, d
    tracemalloc.start()
    d = sim.draw(a.runs, a.months, seed=0)
    run_draws(sim.spec, sim.baseline, sim.ctx, lv, d)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB -> MiB

    print(f"simulator benchmark: policy {a.policy}, {a.runs} runs x {a.months} months")
    print(f"  setup (load scenario, fit baseline)    {setup:8.3f} s (once)")
    print(f"  vectorised engine, best of {a.repeat}          {best:8.3f} s "
          f"(draws {min(draw_times):.3f} s + steps {min(run_times):.3f} s; all: "
          f"{', '.join(f'{t:.3f}' for t in times)})")
    print(f"  target <= 2 s                           {'met' if best <= 2 else 'NOT met'}")
    print(f"  loop oracle, {a.oracle_runs} runs                 {oracle:8.3f} s "
          f"-> {oracle_full:.1f} s for {a.runs} runs (scaled per run; plain Python, scipy "
          "Poisson quantile per count)")
    print(f"  speed-up vs oracle                      {oracle_full / best:8.1f}x "
          f"(target >= 50x: {'met' if oracle_full / best >= 50 else 'NOT met'})")
    print(f"  oracle agrees run for run               {agree}")
    print(f"  peak traced memory of one ensemble      {peak / 2**20:8.1f} MiB")
    print(f"  peak RSS of this process                {rss:8.1f} MiB (target < 2048)")


if __name__ == "__main__":
    main()
