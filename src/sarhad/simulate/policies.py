"""Strategies as levers: a policy from the scenario file compiled to the numbers the engine reads.

A policy sets Pakistan's levers (talks with a concession package or containment; strike
intensity; inducement budget for dividing the TTP; fencing pace; how far it delivers what it
promises), the Afghan Taliban's stance (shelter, restrain, crack down) and the US's (over-the-
horizon strikes, level of cooperation), plus adaptive rules such as "strike if talks stall three
months" (P18-P21, P25-P26). Policies are declared in ``20-simulation.yaml`` under ``policies``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sarhad.errors import SarhadError
from sarhad.simulate.priors import PolicySpec, SimulationSpec
from sarhad.simulate.state import CONTAINMENT, TALKS

MODES = {"talks": TALKS, "containment": CONTAINMENT}


@dataclass(frozen=True)
class Rule:
    kind: str            # "talks-stalled" | "pressure-above"
    threshold: float     # months (talks-stalled) or pressure level (pressure-above)
    mode: int
    strikes: float


@dataclass(frozen=True)
class Levers:
    """A compiled policy: every number the monthly step reads."""

    name: str
    mode: int
    containment: float
    strikes: float
    inducement: float
    fence_pace: float
    # a float, or one value per run when the terms come from the negotiation model
    package: Any         # the TTP's value of the concession package, 0-1 (weighted items)
    promise: Any         # share of the prisoner stock promised at a cease-fire
    flow: Any            # monthly value of the non-prisoner concessions while a cease-fire holds
    deliver: float
    stance: float        # the Taliban's target sanctuary
    us_strikes: float
    us_coop: float
    rules: tuple[Rule, ...]


NEGOTIATED = ("prisoners", "arms", "amnesty")


def uses_negotiation(spec: SimulationSpec, name: str) -> bool:
    return name in spec.policies and \
        spec.policies[name].pakistan.concessions.source == "negotiation"


def ceasefire_terms(spec: SimulationSpec, policy: PolicySpec,
                    terms: np.ndarray | None = None) -> tuple[Any, Any, Any]:
    """Cease-fire terms of a policy: ``(package value, prisoner promise, non-prisoner flow)``.

    The package is the concession items weighted by ``concession_weights`` (P09, P11, P19):
    ``package = sum_k w_k c_k``, ``promise = c_prisoners``, ``flow = package - w_prisoners
    c_prisoners``. With ``source: negotiation`` the prisoners, arms and amnesty items are the
    columns of ``terms`` (runs, 3), the negotiation model's predicted settlement per run."""
    c, w = policy.pakistan.concessions, spec.concession_weights
    items: dict[str, Any] = {"prisoners": c.prisoners, "arms": c.arms,
                             "side_payments": c.side_payments, "movement": c.movement,
                             "amnesty": c.amnesty}
    if c.source == "negotiation":
        if terms is None:
            raise SarhadError("this policy takes its terms from the negotiation model; run it "
                              "through Simulator.run (or pass terms)")
        for j, k in enumerate(NEGOTIATED):
            items[k] = np.clip(np.asarray(terms, float)[:, j], 0.0, 1.0)
    package = sum(getattr(w, k).value * v for k, v in items.items())
    flow = package - w.prisoners.value * items["prisoners"]
    if c.source == "negotiation":
        return package, items["prisoners"], flow
    return float(package), float(items["prisoners"]), float(flow)


def negotiated_terms(scenario: Any, runs: int, seed: np.random.SeedSequence, *,
                     solves: int = 200) -> np.ndarray:
    """Per-run cease-fire terms ``(runs, 3)`` (prisoners, arms, amnesty as 0-1 shares) from the
    negotiation model: ``solves`` draws of the talks' inputs are solved by the spatial model
    (:func:`sarhad.bargain.talks.run_talks`) and each run takes one of them at random."""
    from sarhad.bargain.talks import load_talks, run_talks

    if scenario.negotiation is None:
        raise SarhadError("a policy asks for negotiated terms but the scenario has no "
                          "'negotiation' section")
    talks = load_talks(scenario)
    missing = [k for k in NEGOTIATED if k not in talks.dimensions]
    if missing:
        raise SarhadError(f"the negotiation section lacks dimension(s) {', '.join(missing)} "
                          "needed for negotiated cease-fire terms")
    rng = np.random.default_rng(seed)
    res = run_talks(talks, draws=solves, rng=rng)
    cols = [talks.dimensions.index(k) for k in NEGOTIATED]
    pick = rng.integers(0, solves, runs)
    return res.outcomes[pick][:, cols] / 100.0


def compile_policy(spec: SimulationSpec, name: str, *, terms: np.ndarray | None = None) -> Levers:
    """The named policy's levers; an unknown name is a one-line error listing the known ones."""
    if name not in spec.policies:
        raise SarhadError(f"unknown policy {name!r}; the scenario declares: "
                          f"{', '.join(spec.policies)}")
    p = spec.policies[name]
    pk = p.pakistan
    package, promise, flow = ceasefire_terms(spec, p, terms)
    stance = getattr(spec.stances, p.taliban).value
    rules = tuple(Rule(r.when, float((r.months if r.when == "talks-stalled" else r.level) or 0),
                       MODES[r.then.mode], float(r.then.strikes)) for r in p.rules)
    return Levers(name=name, mode=MODES[pk.mode], containment=pk.containment,
                  strikes=pk.strikes, inducement=pk.inducement, fence_pace=pk.fence_pace,
                  package=package, promise=promise, flow=flow, deliver=pk.deliver,
                  stance=stance, us_strikes=p.us.strikes, us_coop=p.us.cooperation, rules=rules)
