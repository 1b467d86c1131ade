"""Month arithmetic, input checks and the forecaster contract, run over every forecaster."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarhad.errors import SarhadError
from sarhad.forecast.base import (
    Forecaster,
    add_months,
    check_series,
    clone,
    month_index,
    month_label,
    month_range,
)
from sarhad.forecast.baselines import default_baselines
from sarhad.forecast.ensemble import StackingEnsemble
from sarhad.forecast.models import CountModel, HeavyTail, LogAR, RegimeShift


@given(st.integers(min_value=0, max_value=9999 * 12 + 11))
def test_month_label_index_roundtrip(i: int) -> None:
    assert month_index(month_label(i)) == i


def test_month_arithmetic() -> None:
    assert add_months("2021-12", 1) == "2022-01"
    assert add_months("2021-01", -1) == "2020-12"
    assert month_range("2020-11", "2021-02") == ["2020-11", "2020-12", "2021-01", "2021-02"]
    assert month_range("2021-02", "2021-01") == []


@pytest.mark.parametrize("bad", ["2021-13", "2021-1", "21-01", "2021/01", "", None])
def test_bad_month_is_a_clear_error(bad: object) -> None:
    with pytest.raises(SarhadError, match="YYYY-MM"):
        month_index(bad)  # type: ignore[arg-type]


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
