"""The simulator as a forecaster (``sarhad forecast --model simulator``).

Follows the forecaster interface of :mod:`sarhad.forecast`: settings in the constructor,
``fit(y, *, start_month)`` then ``sample(horizon, *, draws, rng)`` returning int64 paths of shape
``(draws, horizon)``. ``fit`` fits the simulator's violence baseline (the dynamics model of
``20-simulation.yaml``: trend, season, regimes, AR, NB2) on ``y`` alone - only data up to the
origin - and ``sample`` runs the status-quo policy (or another named policy) forward, the state
scaling the fitted model's mean. Paths are the simulated monthly fatalities of the modelled actor,
all provinces.

Limitation: the initial state is the scenario's (its knowledge date); at earlier backtest
origins the state multiplier still starts at 1, so the forecast is the fitted model plus the
drift the mechanisms add over the horizon.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import numpy as np

from sarhad.errors import SarhadError
from sarhad.simulate.baseline import baseline_from_series
from sarhad.simulate.engine import draw_all, make_context, policy_levers, run_draws
from sarhad.simulate.policies import compile_policy
from sarhad.simulate.priors import load_spec


class SimulatorForecaster:
    """Monthly fatalities forecast by the scenario simulator under a fixed policy."""

    name = "simulator"

    def __init__(self, *, scenario: Any = None, policy: str = "status-quo",
                 posterior: Mapping[str, np.ndarray] | None = None,
                 shares: np.ndarray | None = None) -> None:
        self.scenario = scenario
        self.policy = policy
        self.posterior = posterior
        self.shares = shares

    def clone(self) -> SimulatorForecaster:
        """An unfitted copy with the same settings (the scenario is shared, not copied)."""
        return SimulatorForecaster(scenario=self.scenario, policy=self.policy,
                                   posterior=self.posterior, shares=self.shares)

    def fit(self, y: np.ndarray, *, start_month: str) -> Self:
        from sarhad.kb import load_scenario

        arr = np.asarray(y)
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0) \
                or np.any(arr != np.round(arr)):
            raise SarhadError("y: expected a 1-d series of non-negative monthly counts")
        scn = self.scenario if self.scenario is not None else load_scenario()
        self.spec_ = load_spec(scn)
        compile_policy(self.spec_, self.policy, terms=np.zeros((1, 3)))  # fail at fit, not later
        self.scenario_ = scn
        self.baseline_ = baseline_from_series(arr.astype(float), start_month, self.spec_, scn,
                                              shares=self.shares)
        self.ctx_ = make_context(self.spec_, self.baseline_)
        self.y_ = arr.astype(np.int64)
        self.start_month_ = start_month
        self.origin_ = self.baseline_.origin
        return self

    def sample(self, horizon: int, *, draws: int, rng: np.random.Generator) -> np.ndarray:
        if not hasattr(self, "baseline_"):
            raise SarhadError(f"{self.name}: call fit() before sample()")
        if not isinstance(horizon, int | np.integer) or horizon < 1:
            raise SarhadError(f"horizon must be a positive number of months, got {horizon!r}")
        if not isinstance(draws, int | np.integer) or draws < 1:
            raise SarhadError(f"draws must be a positive integer, got {draws!r}")
        if not isinstance(rng, np.random.Generator):
            raise SarhadError("rng must be a numpy.random.Generator (seeded)")
        # one seed taken from the caller's generator: the same rng state gives the same paths
        seed = np.random.SeedSequence(int(rng.integers(0, 2**63 - 1)))
        d = draw_all(self.spec_, self.baseline_, int(draws), int(horizon), seed,
                     posterior=self.posterior)
        ens = run_draws(self.spec_, self.baseline_, self.ctx_,
                        policy_levers(self.spec_, self.scenario_, self.policy, d), d)
        return ens.total.astype(np.int64)
