"""A scenario's ``negotiation`` section: validated, drawn from, run, and summarised.

The section (see ``scenarios/pakistan_ttp_2021/10-talks.yaml``) lists issue dimensions and, for
each actor at the table or spoiling it, its power and its position and salience on every
dimension as a triangular distribution ``tri: [low, mode, high]`` with paragraph ids and a
one-line reason. :func:`run_talks` draws every input independently, runs the SMP on each draw
(all draws in one vectorised batch), and reports per dimension the distribution of the outcome

    ``y_k = sum_i c_i s_ik x_ik / sum_i c_i s_ik``

(the capability-and-salience weighted mean of final positions, the usual point forecast of
expected-utility models) and a sensitivity table: Spearman rank correlations between each input
draw and each outcome (McKay, Beckman & Conover 1979 style input screening).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sarhad.bargain import engine
from sarhad.bargain.model import SMPInput, SpatialModel, public_options, run_batch
from sarhad.errors import Problem, SarhadError, ValidationFailed
from sarhad.kb.loader import section_line
from sarhad.kb.schema import PARAGRAPH_REF, Scenario

KNOWLEDGE_END = dt.date(2021, 12, 31)


def _check_refs(v: list[str]) -> list[str]:
    bad = [r for r in v if not PARAGRAPH_REF.match(str(r))]
    if bad:
        raise ValueError(f"paragraph ids look like P08; got {', '.join(map(str, bad))}")
    return v


class Tri(BaseModel):
    """A triangular distribution on 0-100 with its sources and a reason."""

    model_config = ConfigDict(extra="forbid")
    tri: tuple[float, float, float]
    refs: list[str] = Field(min_length=1)
    why: str = Field(min_length=3, max_length=200)

    _refs = field_validator("refs")(_check_refs)

    @model_validator(mode="after")
    def _order(self) -> Tri:
        lo, mode, hi = self.tri
        if not 0.0 <= lo <= mode <= hi <= 100.0:
            raise ValueError(f"need 0 <= low <= mode <= high <= 100, got {list(self.tri)}")
        if not lo < hi:
            raise ValueError(f"a distribution, not a point: low must be below high, got "
                             f"{list(self.tri)}")
        return self


class Dimension(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    low_end: str = Field(min_length=1)
    high_end: str = Field(min_length=1)
    refs: list[str] = Field(min_length=1)

    _refs = field_validator("refs")(_check_refs)


class TalksActor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    power: Tri
    position: dict[str, Tri]
    salience: dict[str, Tri]


class Negotiation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1)
    as_of: dt.date
    refs: list[str] = Field(default_factory=list)
    note: str = ""
    dimensions: dict[str, Dimension] = Field(min_length=1)
    actors: dict[str, TalksActor] = Field(min_length=2)

    _refs = field_validator("refs")(_check_refs)


@dataclass
class Talks:
    """A validated negotiation: names and the (low, mode, high) of every input."""

    title: str
    as_of: dt.date
    actors: list[str]
    actor_names: list[str]
    dimensions: list[str]
    dimension_names: list[str]
    spec: Negotiation
    power: np.ndarray      # (n, 3)
    position: np.ndarray   # (n, d, 3)
    salience: np.ndarray   # (n, d, 3)

    def input_names(self) -> list[str]:
        """Names of the drawn inputs, in the column order of :func:`sample` 's matrix."""
        names = [f"{a} power" for a in self.actors]
        names += [f"{a} position {k}" for a in self.actors for k in self.dimensions]
        names += [f"{a} salience {k}" for a in self.actors for k in self.dimensions]
        return names

    def modal_input(self) -> SMPInput:
        """The problem at the modes of every distribution."""
        return SMPInput(name=self.title, description="modes of the scenario's distributions",
                        actors=self.actors, dimensions=self.dimensions,
                        power=self.power[:, 1].copy(), position=self.position[..., 1].copy(),
                        salience=self.salience[..., 1].copy())


def load_talks(scenario: Scenario) -> Talks:
    """Validate ``scenario.negotiation``; every problem is reported with its file and line."""
    raw = scenario.negotiation
    if raw is None:
        raise SarhadError(f"scenario {scenario.scenario.name!r} has no negotiation section")
    problems: list[Problem] = []

    def add(keys: tuple[Any, ...], field: str, msg: str) -> None:
        file, line = section_line(scenario, "negotiation", keys)
        problems.append(Problem(file, line, field, msg))

    try:
        spec = Negotiation.model_validate(raw)
    except ValidationError as err:
        for e in err.errors():
            loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and x.startswith("func")))
            # pydantic reports model-level errors without a field; the location is the item
            add(loc, ".".join(map(str, ("negotiation", *loc))), e["msg"].removeprefix("Value "
                                                                                      "error, "))
        raise ValidationFailed(problems) from None

    known = {a.id: a for a in scenario.actors}
    dims = list(spec.dimensions)
    if spec.as_of > min(scenario.knowledge_date, KNOWLEDGE_END):
        add(("as_of",), "negotiation.as_of",
            f"{spec.as_of} is after the scenario's knowledge date {scenario.knowledge_date}")
    for aid, act in spec.actors.items():
        if aid not in known:
            add(("actors", aid), f"negotiation.actors.{aid}",
                "not an actor id of the scenario (see 'sarhad actors')")
        for part in ("position", "salience"):
            got = getattr(act, part)
            for k in dims:
                if k not in got:
                    add(("actors", aid, part), f"negotiation.actors.{aid}.{part}",
                        f"missing dimension {k!r}")
            for k in got:
                if k not in spec.dimensions:
                    add(("actors", aid, part, k), f"negotiation.actors.{aid}.{part}.{k}",
                        f"unknown dimension {k!r}; dimensions are {', '.join(dims)}")
        highs = sum(t.tri[2] for t in act.salience.values())
        if highs > 100.0 + 1e-9:
            add(("actors", aid, "salience"), f"negotiation.actors.{aid}.salience",
                f"the highs of the saliences add up to {highs:g}; an actor's attention totals "
                f"at most 100, so keep the highs within 100")
        if act.power.tri[0] <= 0.0:
            add(("actors", aid, "power"), f"negotiation.actors.{aid}.power",
                "power must stay above 0 (its low is 0)")
    if problems:
        raise ValidationFailed(problems)
    ids = list(spec.actors)
    return Talks(
        title=spec.title, as_of=spec.as_of, actors=ids,
        actor_names=[known[a].label for a in ids], dimensions=dims,
        dimension_names=[spec.dimensions[k].name for k in dims], spec=spec,
        power=np.array([spec.actors[a].power.tri for a in ids]),
        position=np.array([[spec.actors[a].position[k].tri for k in dims] for a in ids]),
        salience=np.array([[spec.actors[a].salience[k].tri for k in dims] for a in ids]))


def sample(talks: Talks, draws: int, *, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Independent triangular draws: power (N, n), position and salience (N, n, d)."""
    def tri(spec: np.ndarray) -> np.ndarray:
        lo, mode, hi = spec[..., 0], spec[..., 1], spec[..., 2]
        return rng.triangular(lo, mode, hi, size=(draws, *lo.shape))

    return tri(talks.power), tri(talks.position), tri(talks.salience)


def outcome(power: np.ndarray, position: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """``y_k = sum_i c_i s_ik x_ik / sum_i c_i s_ik`` for every run: (N, d)."""
    w = power[..., None] * salience
    return (w * position).sum(axis=-2) / w.sum(axis=-2)


def spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rank correlations between the columns of ``x`` (N, m) and of ``y`` (N, d): (m, d)."""
    from scipy.stats import rankdata

    rx = rankdata(x, axis=0)
    ry = rankdata(y, axis=0)
    rx = rx - rx.mean(axis=0)
    ry = ry - ry.mean(axis=0)
    den = np.sqrt((rx ** 2).sum(axis=0))[:, None] * np.sqrt((ry ** 2).sum(axis=0))[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (rx.T @ ry) / den
    return np.nan_to_num(rho)


@dataclass
class TalksResult:
    talks: Talks
    draws: int
    seed: int | None
    options: engine.Options
    inputs: np.ndarray        # (N, m) drawn inputs, columns as talks.input_names()
    final: np.ndarray         # (N, n, d) final positions
    outcomes: np.ndarray      # (N, d)
    n_states: np.ndarray      # (N,)
    rho: np.ndarray           # (m, d)
    modal: SpatialModel       # the run at the modes, with its whole history

    def summary(self) -> list[dict[str, Any]]:
        q = np.percentile(self.outcomes, [10, 50, 90], axis=0)
        return [{"dimension": k, "name": nm, "p10": float(q[0, j]), "median": float(q[1, j]),
                 "p90": float(q[2, j]), "mean": float(self.outcomes[:, j].mean()),
                 "modal_run": float(outcome(self.modal.input_.power,
                                            self.modal.positions_[-1],
                                            self.modal.input_.salience)[j])}
                for j, (k, nm) in enumerate(zip(self.talks.dimensions,
                                                self.talks.dimension_names, strict=True))]

    def sensitivity(self, top: int = 5) -> list[dict[str, Any]]:
        names = self.talks.input_names()
        rows = []
        for j, k in enumerate(self.talks.dimensions):
            order = np.argsort(-np.abs(self.rho[:, j]), kind="stable")[:top]
            for rank, m in enumerate(order, start=1):
                rows.append({"dimension": k, "rank": rank, "input": names[m],
                             "rho": float(self.rho[m, j])})
        return rows

    def to_json(self, *, digits: int = 3) -> dict[str, Any]:
        def r(v: float) -> float:
            return round(v, digits)

        return {
            "title": self.talks.title, "as_of": self.talks.as_of.isoformat(),
            "draws": self.draws, "seed": self.seed,
            "options": public_options(self.options),
            "actors": self.talks.actors, "dimensions": self.talks.dimensions,
            "outcomes": [{k: (r(v) if isinstance(v, float) else v) for k, v in row.items()}
                         for row in self.summary()],
            "sensitivity": [row | {"rho": r(row["rho"])} for row in self.sensitivity()],
            "states": {"median": float(np.median(self.n_states)),
                       "max": int(self.n_states.max())},
            "final_median": {a: {k: r(float(np.median(self.final[:, i, j])))
                                 for j, k in enumerate(self.talks.dimensions)}
                             for i, a in enumerate(self.talks.actors)},
        }


def run_talks(talks: Talks, *, draws: int, rng: np.random.Generator, seed: int | None = None,
              options: engine.Options | None = None) -> TalksResult:
    """Run the SMP over ``draws`` independent draws of the talks' inputs (one batch)."""
    if draws < 2:
        raise SarhadError(f"--draws must be at least 2 to describe a distribution, got {draws}")
    o = options or engine.Options()
    pw, pos, sal = sample(talks, draws, rng=rng)
    final, states = run_batch(pw, pos, sal, options=o, rng=rng)
    y = outcome(pw, final, sal)
    x = np.concatenate([pw, pos.reshape(draws, -1), sal.reshape(draws, -1)], axis=1)
    modal_opts: dict[str, Any] = {f.name: getattr(o, f.name) for f in fields(o)
                                  if f.name != "min_sig_delta"}
    modal_opts["state_transitions"] = "Deterministic"
    modal = SpatialModel(**modal_opts).fit(talks.modal_input())
    return TalksResult(talks, draws, seed, o, x, final, y, states, spearman(x, y), modal)
