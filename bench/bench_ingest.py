"""Benchmark: ingest a GED-shaped file of ~400,000 events end to end, against polars reading
the same CSV in the same run; peak memory; warm series queries.

The file is made by resampling the real UCDP GED 22.1 Pakistan rows (with replacement, seeded)
and giving each a new id, so it has GED's 50 columns, its text fields and quoted newlines.

Targets (issue 3): >= 200,000 events/s end to end; within 2x of polars' own read time; peak
memory < 1 GB; a series for any actor/province in < 50 ms from a warm store.

    .venv/bin/python bench/bench_ingest.py [--rows 400000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
GED_GZ = ROOT / "tests" / "data" / "ucdp" / "ged_22.1_pakistan.csv.gz"


def make_file(path: Path, rows: int, seed: int = 1) -> None:
    real = pl.read_csv(gzip.decompress(GED_GZ.read_bytes()), infer_schema_length=0)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, real.height, size=rows)
    big = real[idx].with_columns(pl.Series("id", np.arange(1, rows + 1).astype(str)))
    big.write_csv(path)


# Run in a child process so its peak resident memory is the ingest's alone.
_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    t0 = time.perf_counter()
    from sarhad.ingest import ingest_file
    from sarhad.store import open_store
    from sarhad.kb import load_scenario
    from sarhad.ingest.actors import resolver
    from sarhad.ingest.reader import record_layout
    scn = load_scenario()
    # one-time process costs, like imports, kept out of the timing: loading the compiled
    # record-layout kernel from numba's cache and building the scenario's actor tables
    record_layout(b"a,b\\n1,2\\n")
    resolver(scn)
    store = open_store(sys.argv[2])
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = ru.ru_utime + ru.ru_stime
    t1 = time.perf_counter()
    r = ingest_file(store, sys.argv[1], scenario=scn)
    t2 = time.perf_counter()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu1 = ru.ru_utime + ru.ru_stime
    store.close()
    print(json.dumps({"seconds": t2 - t1, "loaded": r.loaded, "skipped": r.skipped,
                      "setup": t1 - t0, "timings": r.timings,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "cpu": cpu1 - cpu0}))
""")

_POLARS_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import polars as pl
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = ru.ru_utime + ru.ru_stime
    t = time.perf_counter()
    df = pl.read_csv(sys.argv[1])
    s = time.perf_counter() - t
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": s, "rows": df.height, "cpu": ru.ru_utime + ru.ru_stime - cpu0,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=400_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "GEDEvent_v22_1.csv"
        make_file(csv, args.rows)
        size_mb = csv.stat().st_size / 1e6
        print(f"file: {args.rows:,} GED rows resampled from the real extract, {size_mb:.0f} MB")

        load_before = os.getloadavg()[0]
        polars_runs, ingest_runs = [], []
        for i in range(args.repeat):
            polars_runs.append(child(_POLARS_CHILD, str(csv)))
            db = Path(tmp) / f"events{i}.duckdb"
            ingest_runs.append(child(_CHILD, str(csv), str(db)))
        p = statistics.median(r["seconds"] for r in polars_runs)
        g = statistics.median(r["seconds"] for r in ingest_runs)
        peak = max(r["peak_mb"] for r in ingest_runs)
        loaded = ingest_runs[0]["loaded"]
        print(f"polars read_csv alone:  {p:.2f} s  ({args.rows / p:,.0f} rows/s, peak "
              f"{max(r['peak_mb'] for r in polars_runs):.0f} MB)")
        print(f"sarhad ingest (parse, check, resolve, normalise, write): {g:.2f} s  "
              f"({loaded / g:,.0f} events/s; {loaded:,} loaded, "
              f"{ingest_runs[0]['skipped']} skipped)")
        stages = {k: statistics.median(r["timings"][k] for r in ingest_runs)
                  for k in ingest_runs[0]["timings"]}
        print("  stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items())
              + "  (parse and check: time in the main thread, the file's cut and hash"
              " running beside them; write: the part of the write left after the checks)")
        print(f"ratio ingest / polars read: {g / p:.2f}x wall clock   (target <= 2x)")
        pc = statistics.median(r["cpu"] for r in polars_runs)
        gc = statistics.median(r["cpu"] for r in ingest_runs)
        print(f"  CPU seconds (user + system): ingest {gc:.2f}, polars read {pc:.2f}, ratio "
              f"{gc / pc:.2f}x   (less sensitive to other load on the machine)")
        print(f"  load average while measuring: {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")
        print(f"throughput: {loaded / g:,.0f} events/s   (target >= 200,000)")
        print(f"peak memory of the ingest process: {peak:.0f} MB   (target < 1,024)")

        # warm series queries on the 400k store
        from sarhad.kb import load_scenario
        from sarhad.panels import monthly_series
        from sarhad.store import open_store

        scn = load_scenario()
        store = open_store(Path(tmp) / "events0.duckdb", read_only=True)
        cases = [dict(), dict(actor="ttp"), dict(province="Balochistan"),
                 dict(actor="ttp", province="FATA"), dict(actor="bla", measure="events")]
        for kw in cases:
            monthly_series(store, scenario=scn, **kw)     # warm
            times = []
            for _ in range(20):
                t = time.perf_counter()
                monthly_series(store, scenario=scn, **kw)
                times.append(time.perf_counter() - t)
            print(f"series {kw or 'country total'}: median {1000 * statistics.median(times):.1f}"
                  f" ms, max {1000 * max(times):.1f} ms   (target < 50 ms)")
        store.close()


if __name__ == "__main__":
    main()
