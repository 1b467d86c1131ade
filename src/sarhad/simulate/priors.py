"""The scenario's ``simulation`` section: parameters with priors, initial state, factions,
provinces, Taliban stances, concession weights and policies, validated with pydantic.

Every parameter carries a prior distribution, the paragraphs (``Pnn``) or study it rests on and a
one-line reason; the code holds no parameter values. Problems are reported with the file and line
of the offending key (:func:`sarhad.kb.loader.section_line`), all at once.

Prior families (``dist``): ``beta(a, b)``, ``uniform(low, high)``, ``normal(mean, sd)``,
``lognormal(median, sigma)`` (``log X ~ N(log median, sigma)``) and ``fixed(value)``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sarhad.errors import Problem, SarhadError, ValidationFailed
from sarhad.kb.schema import Scenario
from sarhad.months import month_of

CITE = r"^(P\d{2}|[A-Za-z][\w.-]*)$"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prior(_M):
    """One prior distribution."""

    dist: Literal["beta", "uniform", "normal", "lognormal", "fixed"]
    a: float | None = None
    b: float | None = None
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    sigma: float | None = None
    value: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Prior:
        need = {"beta": ("a", "b"), "uniform": ("low", "high"), "normal": ("mean", "sd"),
                "lognormal": ("median", "sigma"), "fixed": ("value",)}[self.dist]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{self.dist} prior needs {', '.join(need)}; missing "
                             f"{', '.join(missing)}")
        extra = [k for k in ("a", "b", "low", "high", "mean", "sd", "median", "sigma", "value")
                 if k not in need and getattr(self, k) is not None]
        if extra:
            raise ValueError(f"{self.dist} prior takes only {', '.join(need)}, not "
                             f"{', '.join(extra)}")
        if self.dist == "beta" and (self.a <= 0 or self.b <= 0):  # type: ignore[operator]
            raise ValueError("beta needs a > 0 and b > 0")
        if self.dist == "uniform" and not self.low < self.high:  # type: ignore[operator]
            raise ValueError("uniform needs low < high")
        if self.dist == "normal" and self.sd <= 0:  # type: ignore[operator]
            raise ValueError("normal needs sd > 0")
        if self.dist == "lognormal" and (self.median <= 0 or self.sigma <= 0):  # type: ignore[operator]
            raise ValueError("lognormal needs median > 0 and sigma > 0")
        return self

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` independent draws."""
        if self.dist == "beta":
            return rng.beta(float(self.a or 0), float(self.b or 0), n)
        if self.dist == "uniform":
            return rng.uniform(float(self.low or 0), float(self.high or 0), n)
        if self.dist == "normal":
            return rng.normal(float(self.mean or 0), float(self.sd or 0), n)
        if self.dist == "lognormal":
            return np.exp(rng.normal(math.log(self.median), self.sigma, n))  # type: ignore[arg-type]
        return np.full(n, float(self.value))  # type: ignore[arg-type]

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """Central ``level`` interval of the prior (for tables of prior versus posterior)."""
        from scipy import stats

        q = ((1 - level) / 2, (1 + level) / 2)
        if self.dist == "beta":
            lo, hi = stats.beta.ppf(q, self.a, self.b)
        elif self.dist == "uniform":
            lo, hi = stats.uniform.ppf(q, self.low, self.high - self.low)  # type: ignore[operator]
        elif self.dist == "normal":
            lo, hi = stats.norm.ppf(q, self.mean, self.sd)
        elif self.dist == "lognormal":
            lo, hi = np.exp(stats.norm.ppf(q, math.log(self.median), self.sigma))  # type: ignore[arg-type]
        else:
            lo = hi = float(self.value)  # type: ignore[arg-type]
        return float(lo), float(hi)

    def describe(self) -> str:
        if self.dist == "beta":
            return f"Beta({self.a:g}, {self.b:g})"
        if self.dist == "uniform":
            return f"U({self.low:g}, {self.high:g})"
        if self.dist == "normal":
            return f"N({self.mean:g}, {self.sd:g})"
        if self.dist == "lognormal":
            return f"LogN(median {self.median:g}, sigma {self.sigma:g})"
        return f"fixed {self.value:g}"


Cites = Annotated[list[Annotated[str, Field(pattern=CITE)]], Field(min_length=1)]
Reason = Annotated[str, Field(min_length=8)]


class Parameter(_M):
    prior: Prior
    cites: Cites
    reason: Reason


class Sourced(_M):
    """A fixed value with its sources and reason (initial state, stances, weights)."""

    value: float
    cites: Cites
    reason: Reason


class Unit(Sourced):
    @field_validator("value")
    @classmethod
    def _unit(cls, v: float) -> float:
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"must be between 0 and 1, got {v}")
        return v


class Violence(_M):
    actor: str
    start: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    trend: bool = True
    seasonality: bool = True
    ar_lags: list[Annotated[int, Field(ge=1, le=12)]] = Field(default_factory=lambda: [1])
    regimes: list[str] = Field(default_factory=list)
    isk_actor: str
    share_window: Annotated[int, Field(ge=6, le=240)] = 36


class Province(_M):
    id: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    name: str
    match: list[str]
    urban: bool


class Faction(_M):
    actor: str
    name: str
    size: Annotated[float, Field(gt=0, le=1)]
    loyalty: Annotated[float, Field(ge=0, le=1)]
    hardline: bool
    cites: Cites
    #: why the size, loyalty and lean are what they are, when the cited paragraphs do not say it
    #: (a modelling assumption, named as one)
    reason: str = ""


class Initial(_M):
    strength: Unit
    sanctuary: Unit
    leadership: Unit
    presence: Unit
    isk: Unit
    relations: Unit
    diplomacy: Unit
    us_cooperation: Unit
    aq_room: Unit
    pressure: Unit
    prisoners: Unit
    fence: Unit


Share = Annotated[float, Field(ge=0, le=1)]


class Concessions(_M):
    """A concession package: each item from 0 (not offered) to 1 (fully offered) (P19).

    With ``source: negotiation`` the prisoners, arms and amnesty items are not declared but
    predicted, run by run, by the negotiation model of the scenario's ``negotiation`` section
    (:mod:`sarhad.bargain.talks`); side payments and movement stay as declared."""

    source: Literal["declared", "negotiation"] = "declared"
    prisoners: Share = 0.0
    arms: Share = 0.0
    side_payments: Share = 0.0
    movement: Share = 0.0
    amnesty: Share = 0.0


class PakistanLevers(_M):
    mode: Literal["talks", "containment"]
    containment: Share = 0.0
    strikes: Share = 0.0
    inducement: Share = 0.0
    fence_pace: Share = 0.0
    concessions: Concessions = Concessions()
    deliver: Share = 1.0


class Switch(_M):
    mode: Literal["talks", "containment"]
    strikes: Share


class Rule(_M):
    """An adaptive rule: ``talks-stalled`` for ``months`` months or ``pressure-above``
    ``level``."""

    when: Literal["talks-stalled", "pressure-above"]
    months: Annotated[int, Field(ge=1, le=60)] | None = None
    level: Share | None = None
    then: Switch

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if self.when == "talks-stalled" and self.months is None:
            raise ValueError("a talks-stalled rule needs months")
        if self.when == "pressure-above" and self.level is None:
            raise ValueError("a pressure-above rule needs level")
        return self


class USLevers(_M):
    strikes: Share = 0.0
    cooperation: Share = 0.0


class PolicySpec(_M):
    description: str
    cites: Cites
    pakistan: PakistanLevers
    taliban: Literal["shelter", "restrain", "crackdown"]
    us: USLevers = USLevers()
    rules: list[Rule] = Field(default_factory=list)


class Stances(_M):
    shelter: Unit
    restrain: Unit
    crackdown: Unit


class ConcessionWeights(_M):
    prisoners: Unit
    arms: Unit
    side_payments: Unit
    movement: Unit
    amnesty: Unit


class Kernel(_M):
    level: Parameter
    trend: Parameter
    ar: Parameter
    dispersion: Parameter


class Calibration(_M):
    """Settings of the simulation-based calibration (see :mod:`sarhad.simulate.calibrate`)."""

    start: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    sanctuary_before: Unit
    calibrated: Annotated[list[str], Field(min_length=1)]
    kernel: Kernel


class RelationRef(_M):
    """A relation of the knowledge base by its parties and type (any relation that matches)."""

    source: str
    type: str
    target: str


class FactEffect(_M):
    """What a fact changes at the origin: initial-state values (``strength: steady`` starts the
    TTP's strength at the run's steady state of ``mechanisms.sanctuary_capacity`` for the
    origin's sanctuary), the start of a cease-fire in force, the prisoner share then
    promised, and for the status-quo policy only the Taliban's stance (``hold``: the sanctuary
    stays where it is) and Pakistan's mode."""

    sanctuary: Share | None = None
    strength: Share | Literal["steady"] | None = None
    leadership: Share | None = None
    presence: Share | None = None
    relations: Share | None = None
    diplomacy: Share | None = None
    ceasefire: bool | None = None
    promised: Share | None = None
    stance: Literal["hold"] | None = None
    mode: Literal["talks", "containment"] | None = None


class Fact(_M):
    """One knowledge-base fact the state at an origin depends on. ``test: holds`` asks whether
    the relation counts as of the origin's last day (:func:`sarhad.kb.relations_as_of`);
    ``test: started`` whether it had begun by then, ended or not. ``present`` applies when it
    does, ``absent`` when it does not."""

    relation: RelationRef
    test: Literal["holds", "started"] = "holds"
    present: FactEffect = FactEffect()
    absent: FactEffect = FactEffect()
    cites: Cites
    reason: Reason


class AsOf(_M):
    """How the state at an earlier origin is derived from the knowledge base (see
    :mod:`sarhad.simulate.origin`)."""

    status_quo: str = "status-quo"
    facts: list[Fact] = Field(default_factory=list)


class SimulationSpec(_M):
    origin: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    violence: Violence
    provinces: Annotated[list[Province], Field(min_length=1)]
    factions: Annotated[list[Faction], Field(min_length=1, max_length=32)]
    initial: Initial
    parameters: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Parameter]
    policies: Annotated[dict[str, PolicySpec], Field(min_length=1)]
    stances: Stances
    concession_weights: ConcessionWeights
    calibration: Calibration | None = None
    as_of: AsOf = AsOf()


# Every parameter the mechanisms read. The scenario must give each a prior (and no others), so a
# typo is caught rather than silently ignored.
PARAMETER_NAMES: tuple[str, ...] = (
    "sanctuary_effect", "strength_elasticity", "leadership_elasticity", "cohesion_elasticity",
    "ceasefire_effect", "capacity_growth", "capacity_decay", "infiltration", "containment_effect",
    "urban_reach", "pressure_sensitivity", "pressure_decay", "pressure_scale", "fence_friction",
    "strike_friction", "relations_recovery", "diplomacy_adjust", "taliban_adjust",
    "taliban_leverage", "deal_gain", "aq_gain", "aq_decay", "strike_hit_rate", "leadership_loss",
    "leadership_regrowth", "ceasefire_strain", "inducement_effect", "loyalty_recovery",
    "split_threshold", "split_prob", "rejoin_prob", "isk_absorb", "isk_decay", "isk_violence",
    "isk_outbid",
    "talks_base", "concession_weight", "mediation_weight", "ceasefire_hazard",
    "broken_commitment", "cohesion_hazard", "delivery_rate", "threat_pull", "coop_ceiling",
    "coop_adjust", "coop_intel", "threat_scale",
)
# Parameters that are probabilities or shares must stay in [0, 1] whatever their prior.
UNIT_PARAMETERS = frozenset(PARAMETER_NAMES) - {
    "sanctuary_effect", "strength_elasticity", "leadership_elasticity", "cohesion_elasticity",
    "ceasefire_effect", "pressure_scale", "talks_base", "concession_weight", "mediation_weight",
    "isk_violence", "isk_outbid", "threat_scale"}


def _problems_from(err: ValidationError, scenario: Scenario) -> list[Problem]:
    from sarhad.kb.loader import section_line

    out = []
    for e in err.errors():
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        file, line = section_line(scenario, "simulation", loc)
        out.append(Problem(file, line, ".".join(map(str, ("simulation", *loc))), e["msg"]))
    return out


def load_spec(scenario: Scenario) -> SimulationSpec:
    """Validate ``scenario.simulation``; raise :class:`ValidationFailed` with file and line."""
    from sarhad.kb.loader import section_line

    raw: Any = scenario.simulation
    if raw is None:
        raise SarhadError(f"scenario {scenario.scenario.name!r} has no 'simulation' section; "
                          "add one (see docs/simulator.md)")
    try:
        spec = SimulationSpec.model_validate(raw)
    except ValidationError as err:
        raise ValidationFailed(_problems_from(err, scenario)) from None
    problems: list[Problem] = []

    def bad(keys: list[Any], msg: str) -> None:
        file, line = section_line(scenario, "simulation", keys)
        problems.append(Problem(file, line, ".".join(map(str, ("simulation", *keys))), msg))

    for name in PARAMETER_NAMES:
        if name not in spec.parameters:
            bad(["parameters"], f"parameter {name!r} has no prior")
    for name, p in spec.parameters.items():
        if name not in PARAMETER_NAMES:
            bad(["parameters", name], f"unknown parameter {name!r}; known: "
                                      f"{', '.join(PARAMETER_NAMES)}")
        elif name in UNIT_PARAMETERS and p.prior.dist not in ("beta", "fixed") and not (
                p.prior.dist == "uniform" and p.prior.low >= 0 and p.prior.high <= 1):  # type: ignore[operator]
            bad(["parameters", name, "prior"], f"{name} is a probability or share: give a beta, "
                                               "a uniform within [0, 1] or a fixed value")
        elif name in UNIT_PARAMETERS and p.prior.dist == "fixed" and not 0 <= p.prior.value <= 1:  # type: ignore[operator]
            bad(["parameters", name, "prior", "value"], "must be between 0 and 1")
    actor_ids = {a.id for a in scenario.actors}
    for key in ("actor", "isk_actor"):
        ref = getattr(spec.violence, key)
        if ref not in actor_ids:
            bad(["violence", key], f"unknown actor {ref!r}")
    event_ids = {e.id for e in scenario.events}
    for i, r in enumerate(spec.violence.regimes):
        if r not in event_ids:
            bad(["violence", "regimes", i], f"unknown event {r!r}; regimes name scenario events")
    for i, f in enumerate(spec.factions):
        if f.actor not in actor_ids:
            bad(["factions", i, "actor"], f"unknown actor {f.actor!r}")
    total = sum(f.size for f in spec.factions)
    if abs(total - 1.0) > 1e-6:
        bad(["factions"], f"faction sizes must sum to 1, got {total:g}")
    ids = [p.id for p in spec.provinces]
    if len(set(ids)) != len(ids):
        bad(["provinces"], "province ids must be unique")
    w = spec.concession_weights
    wsum = w.prisoners.value + w.arms.value + w.side_payments.value + w.movement.value + \
        w.amnesty.value
    if abs(wsum - 1.0) > 1e-6:
        bad(["concession_weights"], f"weights must sum to 1, got {wsum:g}")
    if spec.calibration is not None:
        for i, name in enumerate(spec.calibration.calibrated):
            if name not in ("sanctuary_effect", "ceasefire_effect"):
                bad(["calibration", "calibrated", i], f"{name!r} cannot be calibrated; the "
                    "historical kernel has sanctuary_effect and ceasefire_effect")
    from sarhad.kb.vocabulary import RELATION_TYPES

    if spec.as_of.status_quo not in spec.policies:
        bad(["as_of", "status_quo"], f"unknown policy {spec.as_of.status_quo!r}")
    for i, fact in enumerate(spec.as_of.facts):
        ref = fact.relation
        for key in ("source", "target"):
            if getattr(ref, key) not in actor_ids:
                bad(["as_of", "facts", i, "relation", key],
                    f"unknown actor {getattr(ref, key)!r}")
        if ref.type not in RELATION_TYPES:
            bad(["as_of", "facts", i, "relation", "type"], f"unknown relation type {ref.type!r}")
    if spec.origin > month_of(scenario.knowledge_date):
        bad(["origin"], f"origin {spec.origin} is after the scenario's knowledge date "
                        f"{scenario.knowledge_date}")
    if problems:
        raise ValidationFailed(problems)
    return spec


def sample_parameters(spec: SimulationSpec, runs: int, rng: np.random.Generator,
                      *, posterior: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Draw every parameter for ``runs`` runs: ``{name: array (runs,)}``.

    Priors are drawn in :data:`PARAMETER_NAMES` order from one generator, so the same seed gives
    the same draws. With ``posterior`` (calibrated draws, equal-length arrays for some
    parameters), those parameters are resampled jointly (one row index per run) and the rest
    still come from their priors.
    """
    out = {name: spec.parameters[name].prior.sample(runs, rng) for name in PARAMETER_NAMES}
    if posterior:
        n = len(next(iter(posterior.values())))
        idx = rng.integers(0, n, runs)
        for name, draws in posterior.items():
            if name not in out:
                raise SarhadError(f"posterior has unknown parameter {name!r}")
            out[name] = np.asarray(draws, dtype=float)[idx]
    for name in UNIT_PARAMETERS:
        out[name] = np.clip(out[name], 0.0, 1.0)
    return out


def prior_table(spec: SimulationSpec, level: float = 0.9) -> list[dict[str, Any]]:
    """One row per parameter: name, prior, its central interval, cites and reason."""
    rows = []
    for name in PARAMETER_NAMES:
        p = spec.parameters[name]
        lo, hi = p.prior.interval(level)
        rows.append({"parameter": name, "prior": p.prior.describe(), "prior_low": lo,
                     "prior_high": hi, "cites": list(p.cites), "reason": p.reason})
    return rows
