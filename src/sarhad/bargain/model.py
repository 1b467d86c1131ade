"""Public layer of the negotiation model: inputs, checks, and the :class:`SpatialModel` estimator.

Example::

    from sarhad.bargain import SpatialModel, read_ktab_csv
    m = SpatialModel().fit(read_ktab_csv("SOE-Pol-Comp.csv"))
    m.n_states_, m.final_["XJ"]["Policy"]
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from sarhad.bargain import engine
from sarhad.bargain.core import (
    BargainModel,
    BigRAdjust,
    BigRRange,
    InterVecBargain,
    PCEModel,
    StateTransitions,
    ThirdPartyCommit,
    VictoryProb,
    VotingRule,
)
from sarhad.errors import SarhadError

CHOICES: dict[str, tuple[str, ...]] = {
    "victory_prob": ("Linear", "Square", "Quartic", "Octic", "Binary"),
    "voting_rule": ("Binary", "PropBin", "Prop", "PropCbc", "Cubic", "ASymProsp"),
    "pce": ("Conditional", "MarkovIncentive", "MarkovUniform"),
    "state_transitions": ("Deterministic", "Stochastic"),
    "big_r_range": ("Min", "Mid", "Max"),
    "big_r_adjust": ("None", "OneThird", "Half", "TwoThirds", "Full"),
    "third_party_commit": ("NoCommit", "SemiCommit", "FullCommit"),
    "inter_vec_bargain": ("S1P1", "S2P2", "S2PMax"),
    "bargain_model": ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"),
}


@dataclass
class SMPInput:
    """One SMP problem on KTAB's external scale: positions and saliences on 0-100.

    ``power`` (n,) > 0; ``position`` and ``salience`` (n, d); each actor's saliences total at
    most 100.
    """

    name: str
    description: str
    actors: list[str]
    dimensions: list[str]
    power: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    actor_descriptions: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Raise :class:`SarhadError` naming the actor and field of the first inconsistency."""
        n, d = len(self.actors), len(self.dimensions)
        if n < 2:
            raise SarhadError(f"{self.name}: need at least 2 actors, got {n}")
        if d < 1:
            raise SarhadError(f"{self.name}: need at least 1 dimension")
        for arr, what in ((self.position, "position"), (self.salience, "salience")):
            if np.shape(arr) != (n, d):
                raise SarhadError(f"{self.name}: {what} has shape {np.shape(arr)}, "
                                  f"expected ({n}, {d})")
        if np.shape(self.power) != (n,):
            raise SarhadError(f"{self.name}: power has shape {np.shape(self.power)}, "
                              f"expected ({n},)")
        for i, a in enumerate(self.actors):
            if not np.isfinite(self.power[i]) or self.power[i] <= 0:
                raise SarhadError(f"{self.name}: actor {a!r} power must be > 0, "
                                  f"got {self.power[i]:g}")
            for k, dim in enumerate(self.dimensions):
                for arr, what in ((self.position, "position"), (self.salience, "salience")):
                    v = arr[i, k]
                    if not (np.isfinite(v) and 0.0 <= v <= 100.0):
                        raise SarhadError(f"{self.name}: actor {a!r} {what} on {dim!r} is {v:g}, "
                                          f"outside 0-100")
            tot = self.salience[i].sum()
            if not 0.0 < tot <= 100.0 + 1e-9:
                raise SarhadError(f"{self.name}: actor {a!r} saliences total {tot:g}; they must "
                                  f"be positive and at most 100")


def public_options(o: engine.Options) -> dict[str, Any]:
    """The switches a user sets (for JSON output): KTAB's, and the stopping rule."""
    return {f.name: getattr(o, f.name) for f in fields(o)
            if f.name not in ("min_sig_delta", "use_kernels")}


def options_from(**kw: Any) -> engine.Options:
    """Build :class:`engine.Options`, explaining an unknown switch value in one line."""
    for key, val in kw.items():
        if key in CHOICES and val not in CHOICES[key]:
            raise SarhadError(f"{key}: {val!r} is not one of {', '.join(CHOICES[key])}")
    if kw.get("max_iter", 100) < max(1, kw.get("min_iter", 2)):
        raise SarhadError("max_iter must be at least min_iter and at least 1")
    return engine.Options(**kw)


class SpatialModel:
    """KTAB's spatial model of politics, reproduced and vectorised.

    Settings (KTAB's switches, its defaults shown) go in the constructor; the problem goes in
    :meth:`fit`. Fitted attributes: ``positions_`` (states, actors, dims) on 0-100,
    ``win_prob_`` (states, actors), ``n_states_`` (initial state included), ``final_``
    ({actor: {dimension: position}}), ``input_``.

    Method: KAPSARC (2015-17), KTAB SMP documentation, tutorial and ``KTAB_SMP_Tables.md``;
    utilities ``u = (1 - d)(1 + dR)``, proportional votes, linear victory probability,
    conditional probabilistic Condorcet elections; see :mod:`sarhad.bargain.core`.
    """

    def __init__(self, *, victory_prob: VictoryProb = "Linear", voting_rule: VotingRule = "Prop",
                 pce: PCEModel = "Conditional",
                 state_transitions: StateTransitions = "Deterministic",
                 big_r_range: BigRRange = "Mid", big_r_adjust: BigRAdjust = "OneThird",
                 third_party_commit: ThirdPartyCommit = "SemiCommit",
                 inter_vec_bargain: InterVecBargain = "S2P2",
                 bargain_model: BargainModel = "InitOnlyInterp",
                 min_iter: int = 2, max_iter: int = 100, min_delta_ratio: float = 0.02,
                 use_kernels: bool = True) -> None:
        self.options = options_from(
            victory_prob=victory_prob, voting_rule=voting_rule, pce=pce,
            state_transitions=state_transitions, big_r_range=big_r_range,
            big_r_adjust=big_r_adjust, third_party_commit=third_party_commit,
            inter_vec_bargain=inter_vec_bargain, bargain_model=bargain_model,
            min_iter=min_iter, max_iter=max_iter, min_delta_ratio=min_delta_ratio,
            use_kernels=use_kernels)

    def fit(self, data: SMPInput, *, rng: np.random.Generator | None = None) -> SpatialModel:
        """Run the model from the input's positions until it stops; keep every state."""
        data.check()
        if self.options.state_transitions == "Stochastic" and rng is None:
            raise SarhadError("stochastic state transitions need rng=np.random.Generator")
        res = engine.run(data.power[None].astype(float), data.position[None] / 100.0,
                         data.salience[None] / 100.0, self.options, rng=rng, record=True)
        assert res.history is not None and res.win_prob is not None
        self.input_ = data
        self.positions_ = np.stack(res.history) * 100.0
        self.win_prob_ = np.stack(res.win_prob)
        self.n_states_ = int(res.n_states[0])
        last = self.positions_[-1]
        self.final_ = {a: {dim: float(last[i, k]) for k, dim in enumerate(data.dimensions)}
                       for i, a in enumerate(data.actors)}
        return self

    def to_json(self, *, digits: int = 4) -> dict[str, Any]:
        """The ``sarhad bargain FILE --json`` object (DESIGN.md §4)."""
        d = self.input_
        return {
            "scenario": d.name,
            "actors": d.actors,
            "dimensions": d.dimensions,
            "options": public_options(self.options),
            "states": self.n_states_,
            "final": {a: {k: round(v, digits) for k, v in pos.items()}
                      for a, pos in self.final_.items()},
            "history": [
                {"state": t,
                 "positions": {a: {dim: round(float(self.positions_[t, i, k]), digits)
                                   for k, dim in enumerate(d.dimensions)}
                               for i, a in enumerate(d.actors)},
                 "win_prob": {a: round(float(self.win_prob_[t, i]), 6)
                              for i, a in enumerate(d.actors)}}
                for t in range(self.n_states_)],
        }


def run_batch(power: np.ndarray, position: np.ndarray, salience: np.ndarray, *,
              options: engine.Options | None = None,
              rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run many SMPs of one shape at once: ``power`` (B, n), ``position``/``salience``
    (B, n, d) on 0-100. Returns final positions (B, n, d) on 0-100 and states per run (B,)."""
    o = options or engine.Options()
    if o.state_transitions == "Stochastic" and rng is None:
        raise SarhadError("stochastic state transitions need an rng")
    res = engine.run(np.asarray(power, float), np.asarray(position, float) / 100.0,
                     np.asarray(salience, float) / 100.0, o, rng=rng)
    return res.final * 100.0, res.n_states
