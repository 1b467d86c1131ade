"""The state at a forecast origin, derived from the knowledge base as of that origin.

The scenario's ``initial`` values and its ``status-quo`` policy describe the end of 2021. A
forecast from an earlier origin ``O`` (a backtest) may know only what held at ``O``: the
``simulation.as_of`` facts of the scenario file name relations of the knowledge base (Taliban
sanctuary for the TTP, Pakistan-TTP talks, a cease-fire in force, Pakistan's prisoner
commitment, Pakistan-Taliban friction) and what is different when each does or does not hold on
``O``'s last day. Only :func:`sarhad.kb.relations_as_of` on that day (``test: holds``) or the
relations' start dates up to it (``test: started``) are read, so relations and events dated
after ``O`` cannot change the state. :func:`regimes_as_of` does the same for the dynamics
model's regime dates, by the project's one rule (:func:`sarhad.kb.query.regime_months` with
``known_by`` = ``O``'s last day): an event starting after ``O`` is dropped, and a window still
open at ``O`` is cut at ``O``, since the simulator carries it on through its own state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sarhad.kb.query import regime_months
from sarhad.kb.schema import Scenario
from sarhad.months import last_day, month_index, month_of
from sarhad.simulate.policies import MODES, Levers
from sarhad.simulate.priors import Fact, FactEffect, SimulationSpec

STATE_KEYS = ("sanctuary", "strength", "leadership", "presence", "relations", "diplomacy")


@dataclass(frozen=True)
class Origin:
    """The state at an origin: initial values, a cease-fire in force, and the status-quo
    policy's levers as they were then. ``facts`` lists each fact with whether it held."""

    month: str
    init: dict[str, float]
    steady_strength: bool = False
    ceasefire: bool = False
    cf_len: int = 0
    promised: float = 0.0
    hold_sanctuary: bool = False
    mode: int | None = None
    split: tuple[int, ...] = ()   # factions (by index) outside the group at the origin
    facts: list[dict[str, Any]] = field(default_factory=list)

    def status_quo(self, levers: Levers) -> Levers:
        """The status-quo policy as it stood at the origin (Pakistan's mode)."""
        return levers if self.mode is None else replace(levers, mode=self.mode)


def _matches(scenario: Scenario, fact: Fact, day: dt.date) -> list[Any]:
    from sarhad.kb.query import relations_as_of

    ref = fact.relation
    if fact.test == "holds":
        pool = relations_as_of(scenario, day, actor=ref.source, type=ref.type)
    else:  # started: begun by ``day``, whether or not it has ended since
        pool = [r for r in scenario.relations if r.type == ref.type and (
            r.start.is_open or (r.start.earliest is not None and r.start.earliest <= day))]
    return [r for r in pool if r.source == ref.source and r.target == ref.target]


def origin_as_of(scenario: Scenario, spec: SimulationSpec, month: str) -> Origin:
    """The state at origin ``month`` (``YYYY-MM``) from the knowledge base as of its last day."""
    month_index(month)
    day = last_day(month)
    ini = spec.initial
    init = {k: float(getattr(ini, k).value) for k in STATE_KEYS}
    steady = hold = cease = False
    promised, cf_len = 0.0, 0
    mode: int | None = None
    facts: list[dict[str, Any]] = []
    for fact in spec.as_of.facts:
        found = _matches(scenario, fact, day)
        effect: FactEffect = fact.present if found else fact.absent
        r = fact.relation
        facts.append({"relation": f"{r.source} {r.type} {r.target}", "test": fact.test,
                      "held": bool(found), "cites": list(fact.cites)})
        for k in STATE_KEYS:
            v = getattr(effect, k)
            if v == "steady":
                steady = True
            elif v is not None:
                init[k] = float(v)
        if effect.ceasefire:
            cease = True
            starts = [x.start.earliest for x in found if x.start.earliest is not None]
            first = min(starts) if starts else day
            cf_len = month_index(month) - month_index(month_of(first)) + 1
        if effect.promised is not None:
            promised = float(effect.promised)
        if effect.stance == "hold":
            hold = True
        if effect.mode is not None:
            mode = MODES[effect.mode]
    # A faction whose merger back into the group is dated after the origin was then a splinter
    # (Jamaat-ul-Ahrar and Hizb-ul-Ahrar re-merged in 2020-2021, P03).
    group = spec.violence.actor
    split = []
    for i, f in enumerate(spec.factions):
        mergers = [r for r in scenario.relations if r.type == "merger" and r.source == f.actor
                   and r.target == group]
        if mergers and not any(r.start.is_open or (r.start.earliest is not None
                                                   and r.start.earliest <= day)
                               for r in mergers):
            split.append(i)
    return Origin(month=month, init=init, steady_strength=steady, ceasefire=cease,
                  cf_len=max(cf_len, 1) if cease else 0, promised=promised,
                  hold_sanctuary=hold, mode=mode, split=tuple(split), facts=facts)


def regimes_as_of(scenario: Scenario, ids: list[str],
                  month: str | None) -> list[tuple[str, str, str | None]]:
    """The named scenario events as count-model regimes ``(id, "YYYY-MM", end or None)``, as
    known at origin ``month`` (``None``: no cut), by :func:`sarhad.kb.query.regime_months`
    (half-month rule; events not begun by the origin's last day dropped).

    One difference, for the simulator only: the shared rule turns a window still open at the
    origin into a step, but here it ends at the origin. A cease-fire in force at the origin is
    carried forward by the simulated state (:attr:`Origin.ceasefire`, its strain and breakdown
    mechanisms); a step in the violence model as well would count it twice."""
    known_by = None if month is None else last_day(month)
    out: list[tuple[str, str, str | None]] = []
    for eid, first, last in regime_months(scenario, known_by=known_by, ids=ids):
        if last is None and month is not None and scenario.event(eid).kind == "window":
            last = month
        out.append((eid, first, last))
    return out
