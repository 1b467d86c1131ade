"""The rolling backtest: no data after an origin reaches its forecasts, the plan is the issue's,
comparisons have the right sign, and the parallel run equals the serial one."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sarhad.errors import SarhadError
from sarhad.forecast.backtest import Plan, run_backtest
from sarhad.forecast.baselines import Bootstrap, NegBinWindow, PoissonMean, Zero
from sarhad.forecast.models import CountModel


def _series(n: int = 180, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    level = np.exp(3.5 + 0.8 * np.sin(np.arange(n) / 20))
    return rng.negative_binomial(3, 3 / (3 + level))


SMALL = Plan(first="2008-01", last="2010-12", horizon=6, long_last="2009-06", long_horizon=12)


def _run(y: np.ndarray, **kw) -> object:
    return run_backtest(y, start_month="2000-01",
                        models=[CountModel(name="nb", window=48, fallback=None)],
                        baselines=[Zero(), PoissonMean(window=12), Bootstrap(window=12)],
                        plan=SMALL, draws=200, seed=3, ensemble=["nb", "bootstrap12"],
                        lookback=24, warmup=12, **kw)


def test_default_plan_is_the_issues() -> None:
    plan = Plan()
    origins = plan.origins()
    assert origins[0] == "2012-01" and origins[-1] == "2020-12" and len(origins) == 108
    assert plan.max_horizon("2018-12") == 36 and plan.max_horizon("2019-01") == 12


def test_cases_cover_the_plan_and_stay_inside_the_data() -> None:
    y = _series()
    r = _run(y)
    c = r.cases.filter(pl.col("forecaster") == "nb")
    assert c["origin"].min() == "2008-01" and c["origin"].max() == "2010-12"
    assert c.filter(pl.col("origin") == "2009-06")["horizon"].max() == 12
    assert c.filter(pl.col("origin") == "2009-07")["horizon"].max() == 6
    # outcomes are the data at origin + h
    row = c.filter((pl.col("origin") == "2009-03") & (pl.col("horizon") == 4)).row(0, named=True)
    assert row["month"] == "2009-07" and row["y"] == y[9 * 12 + 6]
    assert set(r.forecasters) == {"nb", "ensemble", "zero", "poisson12", "bootstrap12"}


def test_data_after_an_origin_never_reach_its_forecast() -> None:
    """Change every month from 2010-01 on: forecasts (medians, PIT-free scores of the draws)
    and ensemble weights from origins before 2010-01 are unchanged."""
    y = _series()
    y2 = y.copy()
    y2[120:] = y2[120:] * 5 + 100
    a, b = _run(y), _run(y2)
    keep = pl.col("origin") < "2010-01"
    cols = ["forecaster", "origin", "horizon", "median", "p_gt0", "p_ge25"]
    fa = a.cases.filter(keep).select(cols).sort(cols[:3])
    fb = b.cases.filter(keep).select(cols).sort(cols[:3])
    assert fa.equals(fb)
    assert {o: w for o, w in a.weights.items() if o < "2010-01"} == \
        {o: w for o, w in b.weights.items() if o < "2010-01"}
    # ... while later origins do change
    assert not a.cases.filter(~keep)["median"].equals(b.cases.filter(~keep)["median"])


def test_same_seed_same_result_and_comparisons() -> None:
    y = _series()
    a, b = _run(y), _run(y)
    assert a.cases.equals(b.cases)
    cmp = a.compare("nb")
    z = cmp.filter(pl.col("baseline") == "zero")
    assert (z["diff"] < 0).all() and z["better"].all()  # a level of ~30 is far from zero
    row = cmp.row(0, named=True)
    assert row["diff"] == pytest.approx(row["model_score"] - row["baseline_score"])
    v = a.verdict("nb", horizons=range(1, 7))
    assert v["n_horizons"] == 6 and 0.0 <= v["coverage80"] <= 1.0
    js = a.to_json()
    assert js["model"] in ("nb", "ensemble") and js["scores"] and js["comparison"]
    # the out-of-sample verdict is the ensemble's, whatever model the table was asked for
    assert a.out_of_sample_model() == "ensemble"
    assert js["out_of_sample_verdict"] == _no_none(a.verdict("ensemble"))
    assert a.to_json(model="nb")["out_of_sample_verdict"]["model"] == "ensemble"


def _no_none(v: dict) -> dict:
    return {k: (None if isinstance(x, float) and not np.isfinite(x) else x) for k, x in v.items()}


def test_without_an_ensemble_there_is_no_out_of_sample_verdict() -> None:
    y = _series(seed=1)
    r = run_backtest(y, start_month="2000-01", models=[CountModel(name="nb", window=48)],
                     baselines=[Zero(), Bootstrap(window=12)], plan=SMALL, draws=50, seed=1)
    assert r.out_of_sample_model() is None and r.to_json()["out_of_sample_verdict"] is None


def test_bad_plans_are_clear_errors() -> None:
    y = _series(60)
    with pytest.raises(SarhadError, match="24 months"):
        run_backtest(y, start_month="2000-01", models=[], baselines=[Zero()],
                     plan=Plan(first="2001-01", last="2003-01", long_last=None))
    with pytest.raises(SarhadError, match="nothing to score"):
        run_backtest(y, start_month="2000-01", models=[], baselines=[Zero()],
                     plan=Plan(first="2004-12", last="2005-06", long_last=None))
    with pytest.raises(SarhadError, match="cannot be scored"):
        run_backtest(y, start_month="2000-01", models=[], baselines=[Zero()],
                     plan=Plan(first="2003-01", last="2005-12", long_last=None))
    with pytest.raises(SarhadError, match="between 1 and 48"):
        run_backtest(y, start_month="2000-01", models=[], baselines=[Zero()],
                     plan=Plan(first="2003-01", last="2003-06", horizon=49, long_last=None))
    with pytest.raises(SarhadError, match="not in the backtest"):
        run_backtest(y, start_month="2000-01", models=[], baselines=[Zero()],
                     plan=Plan(first="2003-01", last="2003-06", long_last=None),
                     ensemble=["nope"])


@pytest.mark.slow
def test_parallel_run_equals_serial_run() -> None:
    y = _series()
    plan = Plan(first="2009-01", last="2010-06", horizon=6, long_last=None)
    kw = dict(start_month="2000-01", models=[CountModel(name="nb", window=48)],
              baselines=[NegBinWindow(window=36), Bootstrap(window=12)], plan=plan, draws=100,
              seed=11, ensemble=["nb", "negbin36"], lookback=24, warmup=6)
    serial = run_backtest(y, **kw)
    parallel = run_backtest(y, workers=2, **kw)
    assert serial.cases.equals(parallel.cases)
    assert serial.weights == parallel.weights


@pytest.mark.slow
def test_existing_cluster_via_scheduler_address_equals_serial_run() -> None:
    from distributed import LocalCluster

    y = _series()
    plan = Plan(first="2009-01", last="2009-06", horizon=3, long_last=None)
    kw = dict(start_month="2000-01", models=[CountModel(name="nb", window=48)],
              baselines=[Bootstrap(window=12)], plan=plan, draws=100, seed=5)
    serial = run_backtest(y, **kw)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:
        remote = run_backtest(y, scheduler=cluster.scheduler_address, **kw)
    assert serial.cases.equals(remote.cases)


@pytest.mark.slow  # waits for the connection timeout (10 s)
def test_unreachable_scheduler_is_a_clear_error() -> None:
    from sarhad.forecast.parallel import map_tasks

    with pytest.raises(SarhadError, match="cannot reach the Dask scheduler"):
        map_tasks(abs, [(1,)], scheduler="tcp://127.0.0.1:1")
