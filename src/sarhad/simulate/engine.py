"""The vectorised monthly step and the ensemble runner.

One function, :func:`step`, advances every run by one month; :func:`run_ensemble` draws the
parameters (priors or a calibrated posterior), the dynamics model's parameters and all random
numbers up front, then calls :func:`step` once per month. There is no per-run Python loop.

Random streams. A seed becomes a :class:`numpy.random.SeedSequence` whose three children feed
(1) the mechanism parameters, (2) the dynamics model's parameters and (3) the noise: for every
month a block of uniforms ``(runs, 5 + factions)`` (cease-fire, strike, TTP count, IS-K count,
province split, then one per faction) and the NB2 gamma mixing variate ``G ~ Gamma(r, 1/r)``.
The step consumes them by position, never by drawing, so (a) two policies run on the same seed
see the same random numbers (common random numbers) and (b) the per-run loop oracle in the tests can
replay row ``r`` and must reproduce run ``r`` exactly.

Counts. TTP fatalities in a month are NB2 as in the fitted dynamics model, drawn as a
gamma-Poisson mixture ``y ~ Poisson(mu * m * G)`` with ``mu`` the model's mean given the run's own
past, ``m`` the state multiplier (:func:`~sarhad.simulate.mechanisms.violence_multiplier`) and
the Poisson drawn by inversion of one uniform. Provinces get the total by systematic sampling
with weights ``share_p * presence_p / presence_p0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sarhad.dynamics.count import MAX_MU
from sarhad.errors import SarhadError
from sarhad.simulate import mechanisms as mech
from sarhad.simulate.baseline import Baseline
from sarhad.simulate.origin import STATE_KEYS, Origin
from sarhad.simulate.policies import Levers, compile_policy
from sarhad.simulate.priors import PARAMETER_NAMES, SimulationSpec, sample_parameters
from sarhad.simulate.state import TALKS, State, initial_state

# Columns of the per-month uniform block (then one per faction).
U_CEASEFIRE, U_STRIKE, U_COUNT, U_ISK, U_SPLIT = 0, 1, 2, 3, 4
N_FIXED = 5
MAX_LAMBDA = 1e7  # a month's Poisson mean is capped far above any count in the record

# Switching a mechanism off = setting its parameters to the neutral values below (used by the
# decomposition in explain.py). Names follow DESIGN.md §2.
MECHANISMS: dict[str, dict[str, float]] = {
    "sanctuary-capacity": {"capacity_growth": 0.0, "capacity_decay": 0.0, "sanctuary_effect": 0.0},
    "infiltration": {"infiltration": 0.0},
    "containment": {"containment_effect": 0.0},
    "urban-pressure": {"pressure_sensitivity": 0.0},
    "fence-friction": {"fence_friction": 0.0, "strike_friction": 0.0},
    "diplomatic-leverage": {"taliban_leverage": 0.0},
    "deal-dividend": {"deal_gain": 0.0, "aq_gain": 0.0},
    "leadership-strikes": {"strike_hit_rate": 0.0},
    "ceasefire-strain": {"ceasefire_strain": 0.0, "cohesion_hazard": 0.0},
    "broken-commitments": {"broken_commitment": 0.0},
    "inducements": {"inducement_effect": 0.0},
    "defections-to-isk": {"isk_absorb": 0.0},
    "outbidding": {"isk_outbid": 0.0},
    "threat-cooperation": {"threat_pull": 0.0},
    "cooperation-intelligence": {"coop_intel": 0.0},
}


@dataclass(frozen=True)
class Context:
    """Constants of a simulation (the same for every run)."""

    size: np.ndarray       # (F,) faction sizes, sum 1
    hardline: np.ndarray   # (F,) bool
    urban: np.ndarray      # (P,) bool
    shares: np.ndarray     # (P,) province shares at the origin
    presence0: float
    relations0: float
    diplomacy0: float
    isk0: float
    isk_level: float
    lags: tuple[int, ...]
    ref: dict[str, Any]    # state at the origin for the violence multiplier
    init: dict[str, float] = field(default_factory=dict)  # initial values at the origin
    origin: Origin | None = None  # the knowledge base as of the origin (None: spec.initial)


@dataclass
class Noise:
    u: np.ndarray          # (months, runs, N_FIXED + F) uniforms
    g: np.ndarray          # (months, runs) NB2 gamma mixing variates


@dataclass
class Ensemble:
    """Results of one policy: arrays with a row per run and a column per month."""

    policy: str
    months: list[str]
    provinces: list[str]
    factions: list[str]
    ttp: np.ndarray            # (R, M, P) int64 TTP fatalities by province
    isk_fatalities: np.ndarray  # (R, M) int64
    ceasefire: np.ndarray      # (R, M) bool
    series: dict[str, np.ndarray]  # (R, M) float indices: cohesion, strength, ...
    status: np.ndarray         # (R, F) final faction status
    episodes: np.ndarray       # (R,) cease-fire episodes started
    params: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return self.ttp.shape[0]

    @property
    def total(self) -> np.ndarray:
        """(R, M) TTP fatalities, all provinces."""
        return self.ttp.sum(axis=2)


def make_context(spec: SimulationSpec, baseline: Baseline,
                 origin: Origin | None = None) -> Context:
    """The constants of a simulation from ``baseline``'s origin. With ``origin`` (the knowledge
    base as of the origin, :func:`sarhad.simulate.origin.origin_as_of`) its initial values
    replace the scenario's; the multiplier's reference is the initial state either way."""
    ini = spec.initial
    init = dict(origin.init) if origin is not None else {
        k: float(getattr(ini, k).value) for k in STATE_KEYS}
    size = np.array([f.size for f in spec.factions], float)
    loyalty = np.array([f.loyalty for f in spec.factions], float)
    ref = {"sanctuary": init["sanctuary"], "effective": init["strength"] * size.sum(),
           "leadership": init["leadership"], "cohesion": float(np.sum(size * loyalty))}
    return Context(size=size, hardline=np.array([f.hardline for f in spec.factions]),
                   urban=np.array([p.urban for p in spec.provinces]),
                   shares=np.asarray(baseline.shares, float), presence0=init["presence"],
                   relations0=init["relations"], diplomacy0=init["diplomacy"],
                   isk0=ini.isk.value, isk_level=baseline.isk_level, lags=baseline.lags, ref=ref,
                   init=init, origin=origin)


def draw_noise(rng: np.random.Generator, r: np.ndarray, months: int, factions: int) -> Noise:
    """All random numbers of a simulation, drawn up front (see the module docstring)."""
    runs = r.shape[0]
    u = rng.random((months, runs, N_FIXED + factions))
    g = rng.standard_gamma(np.broadcast_to(r, (months, runs))) / r
    return Noise(u=u, g=g)


def step(s: State, lv: Levers, prm: Mapping[str, np.ndarray], ctx: Context, det_t: np.ndarray,
         phi: np.ndarray, u: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
    """Advance every run one month, in place; returns this month's outputs.

    Order: adaptive rules; cease-fire (start or collapse); prisoner releases; deal dividend;
    Taliban sanctuary; TTP strength and presence; strikes on the leadership; faction loyalty,
    splits and defections; violence (TTP by province, IS-K); domestic pressure; relations,
    diplomacy and the fence; US cooperation."""
    F = ctx.size.size
    # 1. adaptive rules (P16, P20): a rule that fires switches the strategy in force for good
    for rule in lv.rules:
        if rule.kind == "talks-stalled":
            fire = (s.mode == TALKS) & (s.stall >= rule.threshold)
        else:
            fire = s.pressure > rule.threshold
        s.mode = np.where(fire, rule.mode, s.mode).astype(np.int8)
        s.strikes = np.where(fire, rule.strikes, s.strikes)
    talks = s.mode == TALKS
    # 2. cease-fire
    coh = mech.cohesion(s.status, s.loyalty, ctx.size)
    unmet = np.maximum(s.promised - s.released, 0.0)
    p_break = mech.ceasefire_break_prob(unmet, coh, ceasefire_hazard=prm["ceasefire_hazard"],
                                        broken_commitment=prm["broken_commitment"],
                                        cohesion_hazard=prm["cohesion_hazard"])
    p_start = mech.ceasefire_start_prob(lv.package, s.relations, talks_base=prm["talks_base"],
                                        concession_weight=prm["concession_weight"],
                                        mediation_weight=prm["mediation_weight"])
    uc = u[:, U_CEASEFIRE]
    broke = s.ceasefire & ((uc < p_break) | ~talks)
    start = ~s.ceasefire & talks & (uc < p_start)
    s.ceasefire = (s.ceasefire & ~broke) | start
    s.promised = np.where(start, np.maximum(s.promised, np.minimum(1.0, s.released + lv.promise)),
                          s.promised)
    s.episodes = s.episodes + start
    s.cf_len = np.where(s.ceasefire, s.cf_len + 1, 0)
    s.stall = np.where(talks & ~s.ceasefire, s.stall + 1, 0)
    cf = s.ceasefire.astype(float)
    # 3. prisoners (P09, P19)
    delivered = mech.prisoner_delivery(s.promised, s.released, cf, lv.deliver,
                                       delivery_rate=prm["delivery_rate"])
    s.released = np.minimum(s.released + delivered, 1.0)
    s.prisoners = np.maximum(s.prisoners - delivered, 0.0)
    # 4. deals strengthen the TTP and al-Qaeda (P23)
    s.strength, s.aq_room = mech.deal_dividend(s.strength, s.aq_room, delivered, cf * lv.flow,
                                               deal_gain=prm["deal_gain"], aq_gain=prm["aq_gain"])
    s.aq_room = mech.aq_host(s.aq_room, s.strength, aq_decay=prm["aq_decay"])
    # 5. the Taliban's sanctuary (P05, P06, P16)
    s.sanctuary = mech.taliban_sanctuary(s.sanctuary, lv.stance, s.diplomacy, ctx.diplomacy0,
                                         taliban_adjust=prm["taliban_adjust"],
                                         taliban_leverage=prm["taliban_leverage"])
    # 6-7. strength and presence (P04, P05, P11, P18)
    s.strength = mech.sanctuary_capacity(s.strength, s.sanctuary,
                                         capacity_growth=prm["capacity_growth"],
                                         capacity_decay=prm["capacity_decay"])
    s.presence = mech.infiltration(s.presence, cf, s.sanctuary, ctx.urban, lv.containment,
                                   infiltration=prm["infiltration"],
                                   containment_effect=prm["containment_effect"],
                                   urban_reach=prm["urban_reach"])
    # 8. strikes on the leadership (P20, P24)
    intensity = mech.strike_intensity(s.strikes, lv.us_strikes, s.us_coop,
                                      coop_intel=prm["coop_intel"])
    s.leadership, hit = mech.leadership_attrition(
        s.leadership, intensity, u[:, U_STRIKE],
        strike_hit_rate=prm["strike_hit_rate"], leadership_loss=prm["leadership_loss"],
        leadership_regrowth=prm["leadership_regrowth"])
    # 9. cohesion, splits, defections (P03, P12, P21, P24)
    s.loyalty = mech.faction_loyalty(s.loyalty, s.strength, s.cf_len.astype(float),
                                     lv.inducement, ctx.hardline,
                                     ceasefire_strain=prm["ceasefire_strain"],
                                     inducement_effect=prm["inducement_effect"],
                                     loyalty_recovery=prm["loyalty_recovery"])
    s.status, s.loyalty, to_isk = mech.faction_moves(
        s.status, s.loyalty, s.strength, u[:, N_FIXED:N_FIXED + F], ctx.hardline,
        split_threshold=prm["split_threshold"], split_prob=prm["split_prob"],
        rejoin_prob=prm["rejoin_prob"])
    defected = np.sum(to_isk * ctx.size, axis=1)
    s.isk = mech.isk_growth(s.isk, defected, isk_absorb=prm["isk_absorb"],
                            isk_decay=prm["isk_decay"])
    coh = mech.cohesion(s.status, s.loyalty, ctx.size)
    member = np.sum(np.where(s.status == 0, ctx.size, 0.0), axis=1)
    # 10. violence: the fitted dynamics model, scaled by the state
    mult = mech.violence_multiplier(
        s.sanctuary, s.strength * member, s.leadership, coh, cf, ctx.ref,
        sanctuary_effect=prm["sanctuary_effect"], strength_elasticity=prm["strength_elasticity"],
        leadership_elasticity=prm["leadership_elasticity"],
        cohesion_elasticity=prm["cohesion_elasticity"],
        ceasefire_effect=prm["ceasefire_effect"])
    eta = det_t.copy()
    p0 = s.recent.shape[1]
    for k, lag in enumerate(ctx.lags):
        eta += phi[:, k] * np.log1p(s.recent[:, p0 - lag])
    mu = np.minimum(np.exp(np.minimum(eta, 700.0)), MAX_MU)
    scale, w = mech.province_weights(ctx.shares, s.presence, ctx.presence0)
    lam = np.minimum(mu * mult * scale * g, MAX_LAMBDA)
    y = mech.poisson_ppf(u[:, U_COUNT], lam)
    y_p = mech.systematic_split(y, w, u[:, U_SPLIT])
    s.recent = np.concatenate([s.recent[:, 1:], y[:, None].astype(float)], axis=1)
    isk_mu = mech.isk_mean(s.isk, ctx.isk0, ctx.isk_level, cf, isk_violence=prm["isk_violence"],
                           isk_outbid=prm["isk_outbid"])
    y_isk = mech.poisson_ppf(u[:, U_ISK], isk_mu)
    # 11. domestic pressure after urban attacks (P16)
    urban = y_p[:, ctx.urban].sum(axis=1).astype(float)
    s.pressure = mech.domestic_pressure(s.pressure, urban,
                                        pressure_sensitivity=prm["pressure_sensitivity"],
                                        pressure_decay=prm["pressure_decay"],
                                        pressure_scale=prm["pressure_scale"])
    # 12. relations, diplomacy, fence (P14-P16, P20)
    s.relations = mech.fence_friction(s.relations, ctx.relations0, lv.fence_pace, s.strikes,
                                      fence_friction=prm["fence_friction"],
                                      strike_friction=prm["strike_friction"],
                                      relations_recovery=prm["relations_recovery"])
    s.diplomacy = mech.diplomacy_follows(s.diplomacy, s.relations,
                                         diplomacy_adjust=prm["diplomacy_adjust"])
    s.fence = mech.fence_progress(s.fence, lv.fence_pace)
    # 13. US cooperation (P25, P26)
    s.us_coop = mech.us_cooperation(s.us_coop, y.astype(float), lv.us_coop,
                                    threat_pull=prm["threat_pull"],
                                    coop_ceiling=prm["coop_ceiling"],
                                    coop_adjust=prm["coop_adjust"],
                                    threat_scale=prm["threat_scale"])
    return {"ttp": y_p, "isk": y_isk, "ceasefire": s.ceasefire.copy(), "cohesion": coh,
            "strength": s.strength, "sanctuary": s.sanctuary, "relations": s.relations,
            "diplomacy": s.diplomacy, "us_coop": s.us_coop, "aq_room": s.aq_room,
            "pressure": s.pressure, "leadership": s.leadership, "isk_strength": s.isk,
            "mode": s.mode.astype(float), "released": s.released, "hit": hit.astype(float),
            "to_isk": (s.status == 2).sum(axis=1).astype(float),
            "split": (s.status == 1).sum(axis=1).astype(float)}


@dataclass
class Draws:
    """Everything random in a simulation: per-run parameters, the dynamics model's per-run
    trend/season/regime path and AR coefficients, and the noise. Reusing one ``Draws`` for two
    policies gives common random numbers."""

    params: dict[str, np.ndarray]
    det: np.ndarray        # (R, M)
    phi: np.ndarray        # (R, lags)
    noise: Noise
    terms_seed: np.random.SeedSequence | None = None
    _terms: np.ndarray | None = None

    def terms(self, scenario: Any) -> np.ndarray:
        """Negotiated cease-fire terms per run (solved once, on the fourth child stream)."""
        if self._terms is None:
            from sarhad.simulate.policies import negotiated_terms

            seed = self.terms_seed or np.random.SeedSequence(0)
            self._terms = negotiated_terms(scenario, self.runs, seed)
        return self._terms

    @property
    def runs(self) -> int:
        return self.det.shape[0]

    @property
    def months(self) -> int:
        return self.det.shape[1]


def draw_all(spec: SimulationSpec, baseline: Baseline, runs: int, months: int,
             seed: int | np.random.SeedSequence, *,
             posterior: Mapping[str, np.ndarray] | None = None,
             parameter_uncertainty: bool = True) -> Draws:
    """Draw parameters, dynamics-model parameters and noise from three child streams of
    ``seed`` (so each is reproducible on its own); a fourth child is kept for negotiated
    cease-fire terms, solved only if a policy asks for them."""
    if not isinstance(runs, int | np.integer) or runs < 1:
        raise SarhadError(f"runs must be a positive integer, got {runs!r}")
    if not isinstance(months, int | np.integer) or not 1 <= months <= 600:
        raise SarhadError(f"months must be between 1 and 600, got {months!r}")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    s_par, s_nb, s_noise, s_terms = ss.spawn(4)
    params = sample_parameters(spec, int(runs), np.random.default_rng(s_par),
                               posterior=dict(posterior) if posterior else None)
    theta = baseline.draw(int(runs), np.random.default_rng(s_nb),
                          parameter_uncertainty=parameter_uncertainty)
    det, phi, r = baseline.deterministic(theta, int(months))
    noise = draw_noise(np.random.default_rng(s_noise), r, int(months), len(spec.factions))
    return Draws(params=params, det=det, phi=phi, noise=noise, terms_seed=s_terms)


def policy_levers(spec: SimulationSpec, scenario: Any, policy: str, draws: Draws) -> Levers:
    """Compile ``policy`` for these draws (negotiated terms, if the policy uses them, come from
    the draws' own stream, so two policies on the same draws share them)."""
    from sarhad.simulate.policies import uses_negotiation

    terms = draws.terms(scenario) if uses_negotiation(spec, policy) else None
    return compile_policy(spec, policy, terms=terms)


def run_draws(spec: SimulationSpec, baseline: Baseline, ctx: Context, levers: Levers,
              draws: Draws, *, overrides: Mapping[str, float] | None = None,
              policy_name: str | None = None) -> Ensemble:
    """Run one policy over pre-drawn randomness (the vectorised engine)."""
    prm = dict(draws.params)
    for k, v in (overrides or {}).items():
        if k not in PARAMETER_NAMES:
            raise SarhadError(f"unknown parameter {k!r} in overrides")
        prm[k] = np.full(draws.runs, float(v))
    R, M = draws.runs, draws.months
    P = len(spec.provinces)
    origin = ctx.origin
    if origin is not None and levers.name == spec.as_of.status_quo:
        # the status quo as it stood at the origin: Pakistan's mode then, and before the
        # Taliban held power no stance to move their sanctuary toward
        levers = origin.status_quo(levers)
        if origin.hold_sanctuary:
            prm["taliban_adjust"] = np.zeros(R)
    s = initial_state(spec, R, mode=levers.mode, strikes=levers.strikes,
                      history=baseline.history, lags=ctx.lags, init=ctx.init or None)
    if origin is not None:
        s.ceasefire[:] = origin.ceasefire
        s.cf_len[:] = origin.cf_len
        s.promised[:] = origin.promised
        s.status[:, list(origin.split)] = 1
        if origin.steady_strength:
            s.strength = mech.capacity_steady_state(
                s.sanctuary, s.strength, capacity_growth=prm["capacity_growth"],
                capacity_decay=prm["capacity_decay"])
        # the multiplier's reference is the state at the origin, so m = 1 there
        member = np.sum(np.where(s.status == 0, ctx.size, 0.0), axis=1)
        ctx = replace(ctx, ref={**ctx.ref, "effective": s.strength * member,
                                "cohesion": mech.cohesion(s.status, s.loyalty, ctx.size)})
    # month-major buffers: each month writes contiguous rows; transposed once at the end
    ttp = np.empty((M, R, P), dtype=np.int64)
    isk = np.empty((M, R), dtype=np.int64)
    cfs = np.empty((M, R), dtype=bool)
    series: dict[str, np.ndarray] = {}
    for t in range(M):
        out = step(s, levers, prm, ctx, draws.det[:, t], draws.phi, draws.noise.u[t],
                   draws.noise.g[t])
        ttp[t] = out.pop("ttp")
        isk[t] = out.pop("isk")
        cfs[t] = out.pop("ceasefire")
        for name, arr in out.items():
            if name not in series:
                series[name] = np.empty((M, R))
            series[name][t] = arr
    # (runs, months) views of the month-major buffers: no copy
    ttp = ttp.transpose(1, 0, 2)
    isk, cfs = isk.T, cfs.T
    series = {k: v.T for k, v in series.items()}
    return Ensemble(policy=policy_name or levers.name, months=baseline.future(M),
                    provinces=[p.id for p in spec.provinces],
                    factions=[f.actor for f in spec.factions], ttp=ttp, isk_fatalities=isk,
                    ceasefire=cfs, series=series, status=s.status.copy(),
                    episodes=s.episodes.copy(), params=prm)


#: Largest ensemble one call holds in memory: runs x months x policies. A run-month takes about
#: 300 bytes at peak (measured at 20,000 runs x 24 months), so this is about 600 MB; larger
#: ensembles go through 'sarhad sweep', which cuts the runs into chunks.
MAX_RUN_MONTHS = 2_000_000


def check_size(runs: int, months: int, *, policies: int = 1) -> None:
    """Refuse an ensemble too large to hold, before any work, with what to do instead."""
    if runs < 1 or months < 1:
        raise SarhadError(f"runs and months must be at least 1, got {runs} and {months}")
    cells = runs * months * max(policies, 1)
    if cells > MAX_RUN_MONTHS:
        what = f"{runs:,} runs x {months} months" + (f" x {policies} policies"
                                                      if policies > 1 else "")
        raise SarhadError(f"{what} = {cells:,} run-months is more than one ensemble can hold "
                          f"({MAX_RUN_MONTHS:,}, about 600 MB); use fewer runs, or 'sarhad "
                          "sweep' with enough --chunks")


class Simulator:
    """The scenario simulator: the scenario's ``simulation`` section plus a fitted baseline.

    Settings (scenario, data, origin) in the constructor; :meth:`run` and :meth:`compare` take
    the policy, the ensemble size and the seed::

        sim = Simulator(load_scenario())                 # fits the baseline on bundled data
        ens = sim.run("talks", runs=1000, months=24, seed=1)
        a, b = sim.compare("talks", "strikes", runs=1000, months=24, seed=1)
    """

    def __init__(self, scenario: Any, *, db: Any = None, origin: str | None = None,
                 baseline: Baseline | None = None) -> None:
        from sarhad.simulate.baseline import baseline_from_store
        from sarhad.simulate.priors import load_spec

        self.scenario = scenario
        self.spec = load_spec(scenario)
        from sarhad.simulate.origin import origin_as_of

        self.baseline = baseline or baseline_from_store(scenario, self.spec, db=db, origin=origin)
        self.origin = origin_as_of(scenario, self.spec, self.baseline.origin)
        self.ctx = make_context(self.spec, self.baseline, self.origin)

    @property
    def policies(self) -> list[str]:
        return list(self.spec.policies)

    def draw(self, runs: int, months: int, seed: int | np.random.SeedSequence, *,
             posterior: Mapping[str, np.ndarray] | None = None, policies: int = 1) -> Draws:
        check_size(runs, months, policies=policies)
        return draw_all(self.spec, self.baseline, runs, months, seed, posterior=posterior)

    def run(self, policy: str, *, runs: int, months: int, seed: int = 0,
            posterior: Mapping[str, np.ndarray] | None = None,
            overrides: Mapping[str, float] | None = None,
            draws: Draws | None = None) -> Ensemble:
        compile_policy(self.spec, policy, terms=np.zeros((1, 3)))  # fail fast on a bad name
        d = draws or self.draw(runs, months, seed, posterior=posterior)
        levers = self.levers(policy, d)
        return run_draws(self.spec, self.baseline, self.ctx, levers, d, overrides=overrides)

    def levers(self, policy: str, draws: Draws) -> Levers:
        return policy_levers(self.spec, self.scenario, policy, draws)

    def compare(self, *policies: str, runs: int, months: int, seed: int = 0,
                posterior: Mapping[str, np.ndarray] | None = None) -> list[Ensemble]:
        """Run several policies on common random numbers (one set of draws)."""
        for p in policies:
            compile_policy(self.spec, p, terms=np.zeros((1, 3)))
        d = self.draw(runs, months, seed, posterior=posterior, policies=len(policies))
        return [run_draws(self.spec, self.baseline, self.ctx, self.levers(p, d), d)
                for p in policies]
