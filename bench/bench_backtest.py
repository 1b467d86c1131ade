"""Benchmark: the full default rolling backtest (origins every month 2012-2020 at horizons 1-12,
origins to 2018-12 at horizons up to 36; every count model, the stacked ensemble and the five
baselines; 1,000 draws) on the national fatalities series and the TTP series.

Prints absolute wall-clock times, the parallel/serial ratio (the reference run is the serial
one in the same process), whether the parallel result equals the serial one, and the issue's
bar figures (best forecaster vs every baseline per horizon, coverage of the 80% intervals).

    .venv/bin/python bench/bench_backtest.py                  # national, serial and 2 workers
    .venv/bin/python bench/bench_backtest.py --series ttp --workers 2 --no-serial
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def one(actor: str | None, *, workers: int, serial: bool, draws: int) -> None:
    import polars as pl

    from sarhad.forecast.api import SeriesSpec, backtest
    from sarhad.kb import load_scenario

    scenario = load_scenario()
    spec = SeriesSpec(actor=actor)
    label = "TTP fatalities" if actor else "national fatalities"
    runs = {}
    if serial:
        t0 = time.perf_counter()
        runs[1] = backtest(spec, draws=draws, seed=0, scenario=scenario, workers=1)
        t_serial = time.perf_counter() - t0
        print(f"[{label}] serial backtest: {t_serial:.1f} s")
    if workers > 1:
        t0 = time.perf_counter()
        runs[workers] = backtest(spec, draws=draws, seed=0, scenario=scenario, workers=workers)
        t_par = time.perf_counter() - t0
        print(f"[{label}] {workers} local Dask workers: {t_par:.1f} s")
        if serial:
            same = runs[1].cases.equals(runs[workers].cases)
            print(f"[{label}] parallel / serial time ratio: {t_par / t_serial:.2f}; "
                  f"identical results: {same}")
    r = next(iter(runs.values()))
    cases = r.cases
    n_cases = cases.height
    print(f"[{label}] {cases['origin'].n_unique()} origins, {len(r.forecasters)} forecasters, "
          f"{n_cases:,} scored cases, {draws:,} draws each")
    model = r.best_model(horizons=range(1, 13))

    def show(what: str, name: str) -> None:
        v = r.verdict(name)
        print(f"[{label}] {what}: {name}; mean CRPS h 1-12 "
              f"{cases.filter((pl.col('forecaster') == name) & (pl.col('horizon') <= 12))['crps'].mean():.2f}; "  # noqa: E501
              f"beats every baseline on mean CRPS at {v['beats_every_baseline_on_mean_crps']}/12 "
              f"horizons; block-bootstrap 90% interval below zero vs every baseline at "
              f"{v['interval_excludes_zero_vs_every_baseline']}/12; coverage 50/80/95%: "
              f"{v['coverage50']:.3f}/{v['coverage80']:.3f}/{v['coverage95']:.3f}")

    # the honest figure: a forecaster whose choice used only outcomes known at each origin
    if "ensemble" in r.forecasters:
        show("out-of-sample choice (stacked ensemble, weights from past cases only)", "ensemble")
    show("best forecaster picked on these same origins (an in-sample choice: overstates skill)",
         model)
    summ = r.summary().filter(pl.col("horizon") <= 12)
    table = summ.pivot(on="forecaster", index="horizon", values="crps").sort("horizon")
    cols = ["horizon", model] + [b for b in r.baselines if b != model]
    if model != "ensemble" and "ensemble" in table.columns:
        cols.insert(2, "ensemble")
    with pl.Config(tbl_rows=20, tbl_cols=12, float_precision=1):
        print(table.select(cols))
    cmp = r.compare(model).filter(pl.col("horizon") <= 12)
    worst = cmp.group_by("baseline").agg(pl.col("diff").max().alias("max_diff"),
                                         pl.col("better").sum().alias("horizons_sig"))
    with pl.Config(tbl_rows=10, float_precision=2):
        print(worst.sort("baseline"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", choices=["national", "ttp", "both"], default="national")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-serial", action="store_true")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--cli", action="store_true",
                    help="also time 'sarhad backtest --json' (1 and N workers) in a fresh process "
                         "(everything included: start-up, imports, loading the bundled data)")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
          "(other processes share the cores)")
    t0 = time.perf_counter()
    import scoringrules  # noqa: F401  (compiles numba kernels on import)

    print(f"scoringrules import (one-off, overlapped with fitting inside a backtest): "
          f"{time.perf_counter() - t0:.1f} s")
    actors = {"national": [None], "ttp": ["ttp"], "both": [None, "ttp"]}[args.series]
    for actor in actors:
        one(actor, workers=args.workers, serial=not args.no_serial, draws=args.draws)
        if args.cli:
            for w in sorted({1, args.workers}):
                cmd = [sys.executable, "-m", "sarhad", "backtest", "--workers", str(w),
                       "--draws", str(args.draws), "--json"] + (["--actor", actor] if actor
                                                                else [])
                t0 = time.perf_counter()
                proc = subprocess.run(cmd, capture_output=True, text=True)
                wall = time.perf_counter() - t0
                print(f"[{actor or 'national'}] '{' '.join(cmd[3:])}' in a fresh process: "
                      f"{wall:.1f} s (exit {proc.returncode})")


if __name__ == "__main__":
    main()
