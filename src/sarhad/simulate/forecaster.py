"""The simulator as a forecaster (``sarhad forecast --model simulator``).

Follows the forecaster interface of :mod:`sarhad.forecast`: settings in the constructor,
``fit(y, *, start_month)`` then ``sample(horizon, *, draws, rng)`` returning int64 paths of shape
``(draws, horizon)``. Paths are the simulated monthly fatalities of the modelled actor
(``simulation.violence.actor``, the TTP), all provinces, under the status-quo policy (or another
named policy).

What ``fit`` may know at the origin ``O`` (the last month of ``y``), and nothing later:

* the violence baseline (the dynamics model of ``20-simulation.yaml``: trend, season, AR, NB2)
  is fitted on ``y`` alone, with only the regime dates known at ``O``
  (:func:`sarhad.simulate.origin.regimes_as_of`);
* the initial state comes from the knowledge base as of ``O``'s last day
  (:func:`sarhad.simulate.origin.origin_as_of`): Taliban sanctuary or not, talks begun or not,
  a cease-fire and a prisoner commitment in force, Pakistan-Taliban friction; before the
  takeover the status quo holds the sanctuary at its old level and starts the TTP's strength at
  its steady state, so the sanctuary channel adds no uplift;
* province shares and IS-K's level come from ``record`` (the actor's fatalities by province)
  over the ``share_window`` months up to ``O``; without a record, the bundled UCDP extract.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import numpy as np

from sarhad.errors import SarhadError
from sarhad.months import month_index
from sarhad.sampling import check_sample_args
from sarhad.simulate.baseline import Record, baseline_from_series
from sarhad.simulate.engine import draw_all, make_context, policy_levers, run_draws
from sarhad.simulate.origin import origin_as_of
from sarhad.simulate.policies import compile_policy
from sarhad.simulate.priors import load_spec

# scenario id -> (scenario, record); holding the scenario keeps its id from being reused
_BUNDLED: dict[int, tuple[Any, Record]] = {}


def bundled_record(spec: Any, scenario: Any) -> Record:
    """The record of the bundled UCDP extract (read once per scenario object)."""
    from sarhad.simulate.baseline import record_from_store
    from sarhad.store import open_store

    key = id(scenario)
    if key not in _BUNDLED or _BUNDLED[key][0] is not scenario:
        store = open_store()
        try:
            _BUNDLED[key] = (scenario, record_from_store(store, spec, scenario))
        finally:
            store.close()
    return _BUNDLED[key][1]


class SimulatorForecaster:
    """Monthly fatalities forecast by the scenario simulator under a fixed policy, from the
    state the knowledge base describes at the origin."""

    name = "simulator"

    def __init__(self, *, scenario: Any = None, policy: str = "status-quo",
                 posterior: Mapping[str, np.ndarray] | None = None,
                 record: Record | None = None, shares: np.ndarray | None = None) -> None:
        self.scenario = scenario
        self.policy = policy
        self.posterior = posterior
        self.record = record
        self.shares = shares

    def clone(self) -> SimulatorForecaster:
        """An unfitted copy with the same settings (scenario and record shared, not copied)."""
        return SimulatorForecaster(scenario=self.scenario, policy=self.policy,
                                   posterior=self.posterior, record=self.record,
                                   shares=self.shares)

    def fit(self, y: np.ndarray, *, start_month: str) -> Self:
        from sarhad.kb import load_scenario

        arr = np.asarray(y)
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0) \
                or np.any(arr != np.round(arr)):
            raise SarhadError("y: expected a 1-d series of non-negative monthly counts")
        scn = self.scenario if self.scenario is not None else load_scenario()
        self.spec_ = load_spec(scn)
        compile_policy(self.spec_, self.policy, terms=np.zeros((1, 3)))  # fail at fit, not later
        # the violence model is specified from `violence.start` (the TTP's founding year in the
        # bundled scenario): a longer series is cut there, as the simulator's own baseline is
        skip = month_index(self.spec_.violence.start) - month_index(start_month)
        if skip > 0:
            if skip >= arr.size:
                raise SarhadError(f"y ends before the simulator's violence model starts "
                                  f"({self.spec_.violence.start})")
            arr, start_month = arr[skip:], self.spec_.violence.start
        self.scenario_ = scn
        record = self.record
        if record is None and self.shares is None:
            record = bundled_record(self.spec_, scn)
        self.baseline_ = baseline_from_series(arr.astype(float), start_month, self.spec_, scn,
                                              record=record, shares=self.shares)
        self.origin_ = self.baseline_.origin
        self.state_ = origin_as_of(scn, self.spec_, self.origin_)
        self.ctx_ = make_context(self.spec_, self.baseline_, self.state_)
        self.y_ = arr.astype(np.int64)
        self.start_month_ = start_month
        return self

    def sample(self, horizon: int, *, draws: int, rng: np.random.Generator) -> np.ndarray:
        if not hasattr(self, "baseline_"):
            raise SarhadError(f"{self.name}: call fit() before sample()")
        check_sample_args(horizon, draws, rng)
        return self.ensemble(horizon, draws=draws, rng=rng).total.astype(np.int64)

    def ensemble(self, horizon: int, *, draws: int, rng: np.random.Generator,
                 overrides: Mapping[str, float] | None = None) -> Any:
        """The full simulated ensemble behind :meth:`sample` (state series, provinces);
        ``overrides`` fix parameters (e.g. a mechanism switched off, ``engine.MECHANISMS``)."""
        # one seed taken from the caller's generator: the same rng state gives the same paths
        seed = np.random.SeedSequence(int(rng.integers(0, 2**63 - 1)))
        d = draw_all(self.spec_, self.baseline_, int(draws), int(horizon), seed,
                     posterior=self.posterior)
        return run_draws(self.spec_, self.baseline_, self.ctx_,
                         policy_levers(self.spec_, self.scenario_, self.policy, d), d,
                         overrides=overrides)
