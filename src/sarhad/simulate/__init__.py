"""Scenario simulator: Pakistan's strategies and the other actors' responses as calibrated,
explainable, vectorised ensembles (issue 7; see docs/simulator.md).

* :mod:`.priors` validates the scenario's ``simulation`` section (parameters with priors,
  sources and reasons; initial state; factions; provinces; policies).
* :mod:`.state`, :mod:`.mechanisms`, :mod:`.policies`, :mod:`.engine`: the state arrays, one
  small function per mechanism, policies as levers, and the vectorised monthly step.
* :mod:`.baseline`: the fitted dynamics model the violence comes from.
* :mod:`.results`: outcomes, tidy tables, fan charts.
* :mod:`.calibrate` (ABC), :mod:`.explain` (decomposition, scenario discovery),
  :mod:`.forecaster` (the simulator as a forecaster), :mod:`.sweep` (Dask).

Quick start::

    from sarhad.kb import load_scenario
    from sarhad.simulate import Simulator
    sim = Simulator(load_scenario())
    a, b = sim.compare("status-quo", "talks", runs=2000, months=24, seed=1)
"""

from sarhad.simulate.engine import Ensemble, Simulator
from sarhad.simulate.forecaster import SimulatorForecaster

__all__ = ["Ensemble", "Simulator", "SimulatorForecaster"]
