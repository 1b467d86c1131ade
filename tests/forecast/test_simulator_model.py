"""The scenario simulator registered as a forecaster of the forecast API (issue 7)."""

from __future__ import annotations

import numpy as np
import pytest

from sarhad.errors import SarhadError
from sarhad.forecast.api import SeriesSpec, backtest, make_forecast, model_names
from sarhad.forecast.backtest import Plan
from sarhad.forecast.base import Forecaster


def test_simulator_is_a_named_forecaster(bundled_scenario) -> None:
    from sarhad.forecast.api import simulator_forecaster

    assert "simulator" in model_names()
    f = simulator_forecaster(SeriesSpec(actor="ttp"), scenario=bundled_scenario)
    assert isinstance(f, Forecaster) and f.name == "simulator"


def test_make_forecast_with_the_simulator(bundled_scenario) -> None:
    fc = make_forecast(SeriesSpec(actor="ttp"), origin="2016-06", horizon=4, draws=1000,
                       seed=2, scenario=bundled_scenario, model="simulator")
    assert fc.model == "simulator" and fc.origin == "2016-06"
    assert fc.draws.shape == (1000, 4) and fc.draws.dtype == np.int64 and fc.draws.min() >= 0
    again = make_forecast(SeriesSpec(actor="ttp"), origin="2016-06", horizon=4, draws=1000,
                          seed=2, scenario=bundled_scenario, model="simulator")
    np.testing.assert_array_equal(fc.draws, again.draws)
    # the forecast sits near the record of the year before the origin, not the 2021 level
    recent = fc.history[-12:].mean()
    assert 0.2 * recent < np.median(fc.draws[:, 0]) < 3 * recent


def test_the_simulator_refuses_other_series(bundled_scenario) -> None:
    for spec in (SeriesSpec(), SeriesSpec(actor="ttp", target="events"),
                 SeriesSpec(actor="ttp", province="Sindh")):
        with pytest.raises(SarhadError, match="--model simulator"):
            make_forecast(spec, origin="2019-06", horizon=2, scenario=bundled_scenario,
                          model="simulator")


def test_backtest_runs_the_simulator_beside_the_baselines(bundled_scenario) -> None:
    res = backtest(SeriesSpec(actor="ttp"), plan=Plan(first="2016-01", last="2016-04",
                                                      horizon=2, long_last=None),
                   draws=200, seed=1, scenario=bundled_scenario, with_models=False,
                   simulator=True)
    assert "simulator" in res.forecasters
    crps = res.mean_crps()["simulator"]
    assert set(crps) == {1, 2} and all(np.isfinite(v) and v > 0 for v in crps.values())
