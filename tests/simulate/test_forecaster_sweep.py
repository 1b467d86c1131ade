"""The simulator as a forecaster (interface contract) and Dask sweeps equal to serial ones."""

from __future__ import annotations

import numpy as np
import pytest

from sarhad.errors import SarhadError
from sarhad.simulate.forecaster import SimulatorForecaster
from sarhad.simulate.sweep import sweep


@pytest.fixture(scope="module")
def ttp_series(bundled_scenario):
    from sarhad.panels import monthly_series
    from sarhad.store import open_store

    return monthly_series(open_store(), actor="ttp", start="2007-01", end="2021-12",
                          scenario=bundled_scenario)["value"].to_numpy()


def test_forecaster_contract(bundled_scenario, ttp_series):
    f = SimulatorForecaster(scenario=bundled_scenario).fit(ttp_series, start_month="2007-01")
    assert f.origin_ == "2021-12"
    p = f.sample(6, draws=300, rng=np.random.default_rng(1))
    assert p.shape == (300, 6) and p.dtype == np.int64 and p.min() >= 0
    q = f.sample(6, draws=300, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(p, q)
    # the centre of the forecast sits near the recent record, not at an invented level
    recent = ttp_series[-12:].mean()
    assert 0.3 * recent < np.median(p[:, 0]) < 3 * recent


def test_forecaster_uses_only_data_up_to_origin(bundled_scenario, ttp_series):
    """A forecast from an earlier origin is fitted on the truncated series: changing later
    months changes nothing."""
    cut = ttp_series[:150].copy()
    f1 = SimulatorForecaster(scenario=bundled_scenario).fit(cut, start_month="2007-01")
    assert f1.origin_ == "2019-06"
    a = f1.sample(3, draws=50, rng=np.random.default_rng(2))
    f2 = SimulatorForecaster(scenario=bundled_scenario).fit(cut, start_month="2007-01")
    np.testing.assert_array_equal(a, f2.sample(3, draws=50, rng=np.random.default_rng(2)))


def test_forecaster_errors(bundled_scenario, ttp_series):
    with pytest.raises(SarhadError, match="fit"):
        SimulatorForecaster().sample(3, draws=5, rng=np.random.default_rng(0))
    with pytest.raises(SarhadError, match="unknown policy"):
        SimulatorForecaster(scenario=bundled_scenario, policy="x").fit(ttp_series,
                                                                       start_month="2007-01")
    with pytest.raises(SarhadError, match="non-negative"):
        SimulatorForecaster().fit(np.array([1, -2, 3]), start_month="2007-01")


def test_forecaster_passes_the_forecast_packages_interface_check(bundled_scenario, ttp_series):
    from sarhad.forecast import base

    f = SimulatorForecaster(scenario=bundled_scenario)
    assert isinstance(f, base.Forecaster)


def test_serial_sweep_is_chunk_reproducible(sim):
    a = sweep(sim, ["status-quo", "talks"], runs=120, months=6, seed=3, chunks=3)
    b = sweep(sim, ["status-quo", "talks"], runs=120, months=6, seed=3, chunks=3)
    for p in a:
        for k in a[p]:
            np.testing.assert_array_equal(a[p][k], b[p][k])
    assert a["talks"]["ttp_fatalities"].shape == (120,)


@pytest.mark.slow
def test_dask_sweep_equals_serial(sim):
    a = sweep(sim, ["status-quo", "strikes"], runs=200, months=8, seed=11, chunks=4)
    b = sweep(sim, ["status-quo", "strikes"], runs=200, months=8, seed=11, chunks=4,
              scheduler="local")
    for p in a:
        for k in a[p]:
            np.testing.assert_array_equal(a[p][k], b[p][k])


def test_sweep_rejects_bad_chunking(sim):
    with pytest.raises(SarhadError, match="chunks"):
        sweep(sim, ["status-quo"], runs=2, months=3, chunks=5)
