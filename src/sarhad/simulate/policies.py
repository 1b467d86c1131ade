"""Strategies as levers: a policy from the scenario file compiled to the numbers the engine reads.

A policy sets Pakistan's levers (talks with a concession package or containment; strike
intensity; inducement budget for dividing the TTP; fencing pace; how far it delivers what it
promises), the Afghan Taliban's stance (shelter, restrain, crack down) and the US's (over-the-
horizon strikes, level of cooperation), plus adaptive rules such as "strike if talks stall three
months" (P18-P21, P25-P26). Policies are declared in ``20-simulation.yaml`` under ``policies``.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    package: float       # the TTP's value of the concession package, 0-1 (weighted items)
    promise: float       # share of the prisoner stock promised at a cease-fire
    flow: float          # monthly value of the non-prisoner concessions while a cease-fire holds
    deliver: float
    stance: float        # the Taliban's target sanctuary
    us_strikes: float
    us_coop: float
    rules: tuple[Rule, ...]


def ceasefire_terms(spec: SimulationSpec, policy: PolicySpec) -> tuple[float, float, float]:
    """Cease-fire terms of a policy: ``(package value, prisoner promise, non-prisoner flow)``.

    The package is the policy's concession items weighted by ``concession_weights`` (P09, P11,
    P19). This is the seam where the negotiation model's predicted terms would enter: today the
    terms are the policy's declared package."""
    c, w = policy.pakistan.concessions, spec.concession_weights
    items = {"prisoners": c.prisoners, "arms": c.arms, "side_payments": c.side_payments,
             "movement": c.movement, "amnesty": c.amnesty}
    package = sum(getattr(w, k).value * v for k, v in items.items())
    flow = package - w.prisoners.value * c.prisoners
    return float(package), float(c.prisoners), float(flow)


def compile_policy(spec: SimulationSpec, name: str) -> Levers:
    """The named policy's levers; an unknown name is a one-line error listing the known ones."""
    if name not in spec.policies:
        raise SarhadError(f"unknown policy {name!r}; the scenario declares: "
                          f"{', '.join(spec.policies)}")
    p = spec.policies[name]
    pk = p.pakistan
    package, promise, flow = ceasefire_terms(spec, p)
    stance = getattr(spec.stances, p.taliban).value
    rules = tuple(Rule(r.when, float(r.months if r.when == "talks-stalled" else r.level),
                       MODES[r.then.mode], float(r.then.strikes)) for r in p.rules)
    return Levers(name=name, mode=MODES[pk.mode], containment=pk.containment,
                  strikes=pk.strikes, inducement=pk.inducement, fence_pace=pk.fence_pace,
                  package=package, promise=promise, flow=flow, deliver=pk.deliver,
                  stance=stance, us_strikes=p.us.strikes, us_coop=p.us.cooperation, rules=rules)
