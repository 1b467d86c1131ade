"""One argument check serves every sampler: the count model, the forecasters, the simulator."""

from __future__ import annotations

import numpy as np
import pytest

from sarhad.dynamics import NegBinCountModel
from sarhad.errors import SarhadError
from sarhad.forecast.baselines import default_baselines


def _samplers():
    rng = np.random.default_rng(0)
    y = rng.poisson(10, size=60)
    model = NegBinCountModel(trend=False, seasonality=False).fit(y, start_month="2015-01")
    base = default_baselines()[0].fit(y, start_month="2015-01")
    return [model.sample_paths, base.sample]


@pytest.mark.parametrize(("horizon", "draws", "rng", "needle"), [
    (0, 10, np.random.default_rng(1), "horizon must be a positive number of months"),
    (2.5, 10, np.random.default_rng(1), "horizon must be a positive number of months"),
    (3, 0, np.random.default_rng(1), "draws must be a positive integer"),
    (3, 10, 42, "rng must be a numpy.random.Generator"),
])
def test_every_sampler_refuses_the_same_way(horizon, draws, rng, needle):
    for sample in _samplers():
        with pytest.raises(SarhadError, match=needle):
            sample(horizon, draws=draws, rng=rng)
