"""The one check of sampling arguments that every simulator of the future shares: the count
model's ``sample_paths``, the forecasters' ``sample`` and the scenario simulator's forecaster."""

from __future__ import annotations

import numpy as np

from sarhad.errors import SarhadError


def check_sample_args(horizon: object, draws: object, rng: object) -> None:
    """A positive whole horizon in months, a positive whole number of draws, and an explicit,
    seeded ``numpy.random.Generator`` (randomness is never global)."""
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise SarhadError(f"horizon must be a positive number of months, got {horizon!r}")
    if not isinstance(draws, int | np.integer) or draws < 1:
        raise SarhadError(f"draws must be a positive integer, got {draws!r}")
    if not isinstance(rng, np.random.Generator):
        raise SarhadError("rng must be a numpy.random.Generator (seeded), e.g. "
                          "numpy.random.default_rng(1)")
