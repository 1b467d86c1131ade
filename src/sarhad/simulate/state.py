"""The simulator's state: one array per quantity, a row per run.

Shapes: ``(runs,)`` for scalars of the system, ``(runs, factions)`` for factions and
``(runs, provinces)`` for the TTP's presence by province. Every index lives in ``[0, 1]``:

========== =====================================================================================
strength    the TTP's fighting strength (P03, P05)
leadership  share of its leadership intact (P24)
presence    its attack capacity inside Pakistan, by province (P03, P11)
loyalty     each faction's loyalty to the TTP centre (P03, P12, P21)
status      each faction: 0 in the TTP, 1 split off, 2 gone to IS-K (P12, P21, P24)
isk         IS-K's strength (P12, P24)
sanctuary   the Afghan Taliban's sanctuary for the TTP; 1 - sanctuary is restraint (P05, P06)
relations   Pakistan-Taliban relations (P14-P16)
diplomacy   Pakistan's campaign to rehabilitate the Taliban (P15, P16)
us_coop     US-Pakistan counter-terrorism cooperation (P25, P26)
aq_room     al-Qaeda's room to operate (P23)
pressure    domestic pressure on Pakistan's military after urban attacks (P16)
prisoners   TTP prisoners Pakistan still holds; promised and released shares (P09, P19)
fence       progress of the border fence (P16)
========== =====================================================================================

plus the cease-fire flag and its running length, the months talks have stalled, Pakistan's
strategy in force (``mode`` 0 talks, 1 containment; ``strikes`` its strike intensity), the count of
cease-fire episodes and the recent fatalities the dynamics model's AR terms read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np

from sarhad.simulate.priors import SimulationSpec

TALKS, CONTAINMENT = 0, 1


@dataclass
class State:
    strength: np.ndarray
    leadership: np.ndarray
    presence: np.ndarray
    loyalty: np.ndarray
    status: np.ndarray
    isk: np.ndarray
    sanctuary: np.ndarray
    relations: np.ndarray
    diplomacy: np.ndarray
    us_coop: np.ndarray
    aq_room: np.ndarray
    pressure: np.ndarray
    prisoners: np.ndarray
    promised: np.ndarray
    released: np.ndarray
    fence: np.ndarray
    ceasefire: np.ndarray
    cf_len: np.ndarray
    stall: np.ndarray
    mode: np.ndarray
    strikes: np.ndarray
    episodes: np.ndarray
    recent: np.ndarray           # (runs, max lag): last months' TTP fatalities, oldest first

    def copy(self) -> State:
        return State(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def take(self, rows: np.ndarray | slice) -> State:
        return State(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


UNIT_FIELDS = ("strength", "leadership", "presence", "loyalty", "isk", "sanctuary", "relations",
               "diplomacy", "us_coop", "aq_room", "pressure", "prisoners", "promised",
               "released", "fence")


def initial_state(spec: SimulationSpec, runs: int, *, mode: int, strikes: float,
                  history: np.ndarray, lags: tuple[int, ...],
                  init: Mapping[str, float] | None = None) -> State:
    """The state at the origin, the same for every run (uncertainty enters via parameters).
    ``init`` replaces some of the scenario's initial values (the state as of an earlier
    origin, :mod:`sarhad.simulate.origin`)."""
    ini = spec.initial
    init = init or {}

    def val(key: str) -> float:
        return float(init[key]) if key in init else float(getattr(ini, key).value)
    F, P = len(spec.factions), len(spec.provinces)

    def full(v: float) -> np.ndarray:
        return np.full(runs, float(v))

    p0 = max(lags, default=1)
    hist = np.asarray(history, dtype=float)[-p0:]
    if len(hist) < p0:
        hist = np.concatenate([np.zeros(p0 - len(hist)), hist])
    return State(
        strength=full(val("strength")), leadership=full(val("leadership")),
        presence=np.full((runs, P), val("presence")),
        loyalty=np.tile(np.array([f.loyalty for f in spec.factions], float), (runs, 1)),
        status=np.zeros((runs, F), dtype=np.int8),
        isk=full(ini.isk.value), sanctuary=full(val("sanctuary")),
        relations=full(val("relations")), diplomacy=full(val("diplomacy")),
        us_coop=full(ini.us_cooperation.value), aq_room=full(ini.aq_room.value),
        pressure=full(ini.pressure.value), prisoners=full(ini.prisoners.value),
        promised=np.zeros(runs), released=np.zeros(runs), fence=full(ini.fence.value),
        ceasefire=np.zeros(runs, dtype=bool), cf_len=np.zeros(runs, dtype=np.int64),
        stall=np.zeros(runs, dtype=np.int64), mode=np.full(runs, mode, dtype=np.int8),
        strikes=full(strikes), episodes=np.zeros(runs, dtype=np.int64),
        recent=np.tile(hist, (runs, 1)),
    )
