"""Input checks and the forecaster contract, over every forecaster (months: test_months.py)."""

from __future__ import annotations

import numpy as np
import pytest

from sarhad.errors import SarhadError
from sarhad.forecast.base import Forecaster, check_series, clone
from sarhad.forecast.baselines import default_baselines
from sarhad.forecast.ensemble import StackingEnsemble
from sarhad.forecast.models import CountModel, HeavyTail, LogAR, RegimeShift
from sarhad.months import add_months


@pytest.mark.parametrize("bad, msg", [([], "empty"), ([[1, 2]], "1-d"), ([1, -1], "non-negative"),
                                      ([1.5], "integers"), ([1, np.nan], "missing")])
def test_check_series_rejects(bad: object, msg: str) -> None:
    with pytest.raises(SarhadError, match=msg):
        check_series(bad)


def _all_forecasters() -> list[Forecaster]:
    nb = CountModel(name="nb", window=60)
    return [*default_baselines(), nb, RegimeShift(nb, hazard=0.1), HeavyTail(nb),
            CountModel(name="nb-damped", window=60, trend_damping=0.9), LogAR(window=36),
            StackingEnsemble([nb, *default_baselines()[2:]], lookback=12, weight_draws=50)]


@pytest.fixture(scope="module")
def series() -> np.ndarray:
    rng = np.random.default_rng(5)
    mu = np.exp(3 + 0.5 * np.sin(np.arange(96) / 7))
    return rng.negative_binomial(4, 4 / (4 + mu))


@pytest.mark.parametrize("f", _all_forecasters(), ids=lambda f: f.name)
def test_forecaster_contract(f: Forecaster, series: np.ndarray) -> None:
    """Every forecaster: int64 (draws, horizon) non-negative paths; same seed, same draws;
    sampling before fit and bad arguments are clear errors; clones forget the fit."""
    fresh = clone(f)
    with pytest.raises(SarhadError):
        fresh.sample(3, draws=10, rng=np.random.default_rng(0))
    fitted = f.fit(series, start_month="2010-01")
    a = fitted.sample(7, draws=200, rng=np.random.default_rng(1))
    b = fitted.sample(7, draws=200, rng=np.random.default_rng(1))
    assert a.dtype == np.int64 and a.shape == (200, 7) and a.min() >= 0
    np.testing.assert_array_equal(a, b)
    with pytest.raises(SarhadError):
        fitted.sample(0, draws=10, rng=np.random.default_rng(0))
    with pytest.raises(SarhadError):
        fitted.sample(3, draws=10, rng=1)  # type: ignore[arg-type]
    assert not hasattr(clone(fitted), "y_")
    assert fitted.origin_ == add_months("2010-01", len(series) - 1)  # type: ignore[attr-defined]
