"""The one interface every sarhad forecaster shares (months: :mod:`sarhad.months`).

A forecaster is an estimator in the scikit-learn style: settings in the constructor, data in
:meth:`Forecaster.fit`, fitted values ending in ``_``. It forecasts a monthly count series as a
full predictive distribution, represented by integer sample paths::

    f = SomeForecaster(window=12).fit(y, start_month="2007-01")
    paths = f.sample(12, draws=1000, rng=np.random.default_rng(1))   # int64, (1000, 12), >= 0

``y`` holds the monthly counts up to and including the forecast origin, months consecutive from
``start_month``; ``paths[:, h-1]`` is the predictive distribution of the month ``h`` months after
the origin. Paths (not just marginals) are returned so that questions about sums or maxima over a
window can be answered from the same draws.
"""

from __future__ import annotations

import copy
from typing import Protocol, Self, runtime_checkable

import numpy as np

from sarhad.errors import SarhadError
from sarhad.months import add_months, month_index
from sarhad.sampling import check_sample_args

# ---------------------------------------------------------------- checks -------------------------

def check_series(y: object, *, name: str = "y") -> np.ndarray:
    """A monthly count series as a 1-d int64 array of non-negative values, or a clear error."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise SarhadError(f"{name}: expected a 1-d array of monthly counts, got shape {arr.shape}")
    if arr.size == 0:
        raise SarhadError(f"{name}: the series is empty; a forecaster needs at least one month")
    if not np.issubdtype(arr.dtype, np.number):
        raise SarhadError(f"{name}: expected numbers, got {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise SarhadError(f"{name}: contains missing or infinite values")
    if np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise SarhadError(f"{name}: monthly counts must be non-negative integers")
    return arr.astype(np.int64)


# ---------------------------------------------------------------- interface ----------------------

@runtime_checkable
class Forecaster(Protocol):
    """What the backtest, the ensemble, the ledger and the CLI rely on."""

    name: str

    def fit(self, y: np.ndarray, *, start_month: str) -> Self: ...

    def sample(self, horizon: int, *, draws: int, rng: np.random.Generator) -> np.ndarray: ...


class BaseForecaster:
    """Shared checks: subclasses implement ``_fit(y)`` and ``_sample(horizon, draws, rng)``.

    :meth:`fit` validates the series and records ``y_``, ``start_month_`` and ``origin_`` (the
    last month of ``y``); :meth:`sample` validates its arguments and the result, so a subclass
    cannot hand back negative, non-integer or mis-shaped paths.
    """

    name: str = "forecaster"

    def fit(self, y: np.ndarray, *, start_month: str) -> Self:
        y = check_series(y)
        month_index(start_month)  # validates
        self.y_ = y
        self.start_month_ = start_month
        self.origin_ = add_months(start_month, len(y) - 1)
        self._fit(y)
        return self

    def sample(self, horizon: int, *, draws: int, rng: np.random.Generator) -> np.ndarray:
        check_sample_args(horizon, draws, rng)
        if not hasattr(self, "y_"):
            raise SarhadError(f"{self.name}: call fit() before sample()")
        out = np.asarray(self._sample(int(horizon), int(draws), rng))
        if out.shape != (draws, horizon):
            raise AssertionError(f"{self.name}: sample shape {out.shape} != {(draws, horizon)}")
        if out.size and out.min() < 0:
            raise AssertionError(f"{self.name}: negative draws")
        return out.astype(np.int64, copy=False)

    # subclasses -------------------------------------------------------------
    def _fit(self, y: np.ndarray) -> None:
        raise NotImplementedError

    def _sample(self, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def clone(self) -> Self:
        """An unfitted copy with the same settings (fitted attributes dropped)."""
        new = copy.copy(self)
        new.__dict__ = {k: copy.deepcopy(v) for k, v in self.__dict__.items()
                        if not k.endswith("_")}
        return new

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items()
                             if not k.endswith("_") and not k.startswith("_") and k != "name")
        return f"{type(self).__name__}({settings})"


def clone(forecaster: Forecaster) -> Forecaster:
    """An unfitted copy of any forecaster (deep copy when it has no ``clone`` method)."""
    if hasattr(forecaster, "clone"):
        return forecaster.clone()  # type: ignore[no-any-return, unused-ignore]
    return copy.deepcopy(forecaster)
